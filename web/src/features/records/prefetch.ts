/** Route loaders: a list's or record's data is asked for at the click, while the screen
 * is still being drawn, instead of after it first renders. The queries are the screens'
 * own (same keys), so the screens find them under way or done. */
import type { LoaderFunctionArgs } from "react-router-dom";
import { layoutQuery } from "../../lib/layouts";
import type { ObjectDef } from "../../lib/meta";
import { queryClient } from "../../lib/queryClient";
import { listQuery, recordQuery } from "../../lib/records";
import { chosenColumns, listableFields, listParams } from "./columns";
import { viewsQuery } from "./views";

function cachedObject(name: string | undefined): ObjectDef | undefined {
  // Only once the shell has the metadata: the first load of the app fetches it anyway.
  return queryClient.getQueryData<{ objects: ObjectDef[] }>(["meta", "objects"])?.objects.find((o) => o.name === name);
}

/** The list as it opens: the user's columns, no filter, unless a saved view is asked
 * for (its own filter and columns arrive with the views). */
export function prefetchList({ params, request }: LoaderFunctionArgs): null {
  const object = cachedObject(params.object);
  if (!object) return null;
  void queryClient.prefetchQuery(viewsQuery(object.name));
  if (!new URL(request.url).searchParams.has("view")) {
    const fields = new Map(listableFields(object).map((f) => [f.name, f]));
    const initial = listParams(fields, chosenColumns(object), { filter: null, sort: [], limit: 50 });
    void queryClient.prefetchInfiniteQuery(listQuery(object.name, initial));
  }
  return null;
}

export function prefetchRecord({ params }: LoaderFunctionArgs): null {
  const object = cachedObject(params.object);
  if (!object || !params.id) return null;
  void queryClient.prefetchQuery(recordQuery(object.name, params.id, recordIncludes(object)));
  void queryClient.prefetchQuery(layoutQuery(object.name, "detail"));
  return null;
}

/** The lookups a record page shows with their targets' names. */
export function recordIncludes(object: ObjectDef): string[] {
  return object.fields.filter((f) => f.type === "lookup" && !f.archived).map((f) => f.name);
}
