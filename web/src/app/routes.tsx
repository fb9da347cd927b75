import { lazy, Suspense, type ReactNode } from "react";
import { createBrowserRouter } from "react-router-dom";
import { PageSkeleton } from "../components/PageSkeleton";
import { Shell } from "../features/shell/Shell";
import { SignIn } from "../features/auth/SignIn";
import { prefetchList, prefetchRecord } from "../features/records/prefetch";
import { modulePages } from "../lib/extensions";
import "../modules"; // registers the modules' pages before the routes are made

// Each screen is its own chunk: the first load carries the shell and sign-in only.
const Home = lazy(() => import("../features/home/Home"));
const ListPage = lazy(() => import("../features/records/ListPage"));
const RecordPage = lazy(() => import("../features/records/RecordPage"));
const NewRecordPage = lazy(() => import("../features/records/NewRecordPage"));
const NotFound = lazy(() => import("../features/shell/NotFound"));
const RecycleBin = lazy(() => import("../features/recycle/RecycleBin"));
const ObjectsPage = lazy(() => import("../features/builder/ObjectsPage"));
const ObjectPage = lazy(() => import("../features/builder/ObjectPage"));
const DepartmentsPage = lazy(() => import("../features/admin/DepartmentsPage"));
const UsersPage = lazy(() => import("../features/admin/UsersPage"));
const RolesPage = lazy(() => import("../features/admin/RolesPage"));
const RolePage = lazy(() => import("../features/admin/RolePage"));
const AuditPage = lazy(() => import("../features/admin/AuditPage"));

function page(element: ReactNode) {
  return <Suspense fallback={<PageSkeleton />}>{element}</Suspense>;
}

export const router = createBrowserRouter([
  { path: "/login", element: <SignIn /> },
  {
    path: "/",
    element: <Shell />,
    children: [
      { index: true, element: page(<Home />) },
      { path: "o/:object", element: page(<ListPage />), loader: prefetchList },
      { path: "o/:object/new", element: page(<NewRecordPage />) },
      { path: "o/:object/:id", element: page(<RecordPage />), loader: prefetchRecord },
      { path: "recycle-bin", element: page(<RecycleBin />) },
      { path: "admin/objects", element: page(<ObjectsPage />) },
      { path: "admin/objects/:object", element: page(<ObjectPage />) },
      { path: "admin/departments", element: page(<DepartmentsPage />) },
      { path: "admin/users", element: page(<UsersPage />) },
      { path: "admin/roles", element: page(<RolesPage />) },
      { path: "admin/roles/:id", element: page(<RolePage />) },
      { path: "admin/audit", element: page(<AuditPage />) },
      ...modulePages().map(({ path, component: Page }) => ({ path, element: page(<Page />) })),
      { path: "*", element: page(<NotFound />) },
    ],
  },
]);
