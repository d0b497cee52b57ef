// GraphiQL against this gateway. The person's token comes from `#token=` in the URL (as on
// the dashboard) and is sent as a bearer header; the headers tab shows it and may change it.
(function () {
  "use strict";
  var token = new URLSearchParams(window.location.hash.slice(1)).get("token");
  var headers = token ? { Authorization: "Bearer " + token } : {};
  var fetcher = GraphiQL.createFetcher({ url: "/graphql", headers: headers });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultHeaders: JSON.stringify(headers, null, 2),
      shouldPersistHeaders: false,
    })
  );
})();
