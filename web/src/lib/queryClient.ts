/** The one query cache of the app: screens read it through hooks, route loaders fill it
 * ahead of a screen (features/records/prefetch.ts). */
import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "./api";

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A refusal (403, 404, 422) will not change on retry; a network hiccup may.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});
