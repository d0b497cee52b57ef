// Drill-down: the repairs behind a figure, a chart mark or a relationship, listed under the
// charts through Query.repairsBehind (the viewer's own token and scope), with CSV export.
"use strict";

const Drill = (() => {
  const QUERY = `query Behind($figure: DashboardFigure!, $key: String, $department: String,
      $pair: DepartmentPairInput, $period: PeriodInput, $after: String) {
    repairsBehind(figure: $figure, key: $key, department: $department, pair: $pair,
        period: $period, first: 50, after: $after) {
      edges { node { id openedAt category departments status responseMode outcome closedAt } }
      pageInfo { hasNextPage endCursor } } }`;
  const HEADER = ["repair", "opened", "category", "departments", "status", "response mode", "outcome", "closed"];
  const $ = (id) => document.getElementById(id);
  let ask = null;
  let current = null;

  const row = (r) => [
    r.id, r.openedAt, r.category, r.departments.join(" "), r.status, r.responseMode, r.outcome, r.closedAt,
  ];

  function draw() {
    const table = $("drill-table");
    table.innerHTML = "";
    const caption = table.createCaption();
    caption.textContent = current.title;
    const head = table.createTHead().insertRow();
    for (const name of HEADER) {
      const cell = document.createElement("th");
      cell.scope = "col";
      cell.textContent = name;
      head.appendChild(cell);
    }
    const body = table.createTBody();
    for (const repair of current.repairs) {
      const line = body.insertRow();
      line.dataset.repair = repair.id;
      for (const value of row(repair)) line.insertCell().textContent = value === null ? "–" : String(value);
    }
    const count = current.repairs.length;
    $("drill-status").textContent = `${count}${current.more ? "+" : ""} repair${count === 1 ? "" : "s"} behind ${current.title}.`;
    $("drill-more").hidden = !current.more;
    $("drill").dataset.count = String(count);
    document.body.dataset.drill = "ready";
  }

  async function page() {
    const data = await ask(QUERY, { ...current.variables, after: current.cursor });
    const found = data.repairsBehind;
    current.repairs.push(...found.edges.map((e) => e.node));
    current.cursor = found.pageInfo.endCursor;
    current.more = found.pageInfo.hasNextPage;
    draw();
  }

  // request: {title, figure, key?, pair?, period?}; context: {department, period} of the board.
  async function open(request, context) {
    document.body.dataset.drill = "loading";
    current = {
      title: request.title,
      variables: {
        figure: request.figure, key: request.key ?? null, department: context.department,
        pair: request.pair ?? null, period: request.period ?? context.period,
      },
      period: request.period ?? context.period,
      department: context.department,
      repairs: [], cursor: null, more: false,
    };
    $("drill").hidden = false;
    $("drill-title").textContent = `Repairs behind: ${request.title}`;
    try {
      await page();
    } catch (error) {
      $("drill-status").textContent = error.message;
      document.body.dataset.drill = "error";
    }
    $("drill").focus();
  }

  function csv() {
    if (!current) return;
    const name = Csv.fileName(`repairs-behind-${current.variables.figure}`, current.department, current.period);
    Csv.download(name, HEADER, current.repairs.map(row));
  }

  function init(query) {
    ask = query;
    $("drill-more").addEventListener("click", () => page());
    $("drill-csv").addEventListener("click", csv);
    $("drill-close").addEventListener("click", () => {
      $("drill").hidden = true;
      current = null;
    });
  }

  return { init, open };
})();
