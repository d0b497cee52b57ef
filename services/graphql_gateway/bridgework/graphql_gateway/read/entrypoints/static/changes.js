// Planned changes on the dashboard (docs/metrics.md, "Changes"): the calendar of coming
// changes with their engagement, the proactive window and the harm that followed. A section
// of its own, beside dashboard.js: it reads the same token and filters and builds its DOM
// with textContent only (titles come from departments' tools). Each coming change links to
// its page, /changes/<id>.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const QUERY = `query Changes($department: String, $period: PeriodInput) {
    changeDashboard(department: $department, period: $period) {
      calendar { id title kind ownerDepartment plannedGoLive engagementState
        engagements { department standing } }
      proactiveWindow { responseMode changes }
      harmThatFollowed { responseMode changes incidents incidentsPerChange windowsOpen } } }`;

  function el(tag, text, attributes = {}) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    return node;
  }

  function table(headers, rows) {
    const t = el("table");
    const head = el("tr");
    for (const h of headers) head.append(el("th", h, { scope: "col" }));
    const thead = el("thead");
    thead.append(head);
    t.append(thead);
    const body = el("tbody");
    for (const row of rows) {
      const tr = el("tr");
      for (const cell of row) {
        const td = el("td", cell instanceof Node ? null : cell);
        if (cell instanceof Node) td.append(cell);
        tr.append(td);
      }
      body.append(tr);
    }
    t.append(body);
    return t;
  }

  // A change's title, linking to its page (/changes/<id>), where its engagement is done.
  function changeLink(change) {
    return el("a", change.title, { href: `/changes/${encodeURIComponent(change.id)}`, "data-change": change.id });
  }

  function section() {
    let card = $("changes");
    if (!card) {
      card = el("section", null, { id: "changes", class: "card", "aria-labelledby": "changes-title" });
      card.append(el("h2", "Planned changes", { id: "changes-title" }));
      card.append(el("div", null, { id: "changes-body" }));
      $("board").append(card);
    }
    return $("changes-body");
  }

  function render(data) {
    const body = section();
    body.replaceChildren();
    const d = data.changeDashboard;
    body.append(el("h3", "Coming changes and their engagement"));
    body.append(d.calendar.length ? table(
      ["Go-live", "Change", "Kind", "Owner", "Engagement", "Departments"],
      d.calendar.map((c) => [
        c.plannedGoLive.slice(0, 10), changeLink(c), c.kind, c.ownerDepartment, c.engagementState,
        c.engagements.map((e) => `${e.department}: ${e.standing}`).join(", "),
      ]),
    ) : el("p", "No change planned in the next 90 days.", { class: "hint" }));
    body.append(el("h3", "The proactive window: changes live in the period, by response mode"));
    body.append(table(["Mode", "Changes"], d.proactiveWindow.map((m) => [m.responseMode, m.changes])));
    body.append(el("h3", "The harm that followed (incidents within 90 days of go-live)"));
    body.append(table(
      ["Mode", "Changes", "Incidents", "Per change", "Windows still open"],
      d.harmThatFollowed.map((h) => [
        h.responseMode, h.changes, h.incidents,
        h.incidentsPerChange === null ? "–" : h.incidentsPerChange, h.windowsOpen,
      ]),
    ));
  }

  async function load() {
    const token = sessionStorage.getItem("bridgework-token");
    if (!token || $("board").hidden) return;
    const from = $("from").value, to = $("to").value;
    const variables = { department: $("department").value || null, period: from && to ? { from, to } : null };
    try {
      const response = await fetch("/graphql", {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: QUERY, variables }),
      });
      const answer = await response.json();
      if (answer.errors) throw new Error(answer.errors[0].message);
      render(answer.data);
    } catch (error) {
      section().replaceChildren(el("p", `Planned changes could not be loaded: ${error.message}`, { role: "alert" }));
    }
  }

  // The board shows once signed in, and reloads on every filter change: follow it.
  new MutationObserver(load).observe($("board"), { attributes: true, attributeFilter: ["hidden"] });
  $("filters").addEventListener("submit", () => setTimeout(load, 0));
  $("preset").addEventListener("change", () => setTimeout(load, 0));
  load();
})();
