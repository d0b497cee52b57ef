// A participant's view: what waits for my consent, my commitments, my repairs, the planned
// changes I take part in (any role, from myWork), and, for a department's lead or the change
// team, the other planned changes of my department not yet live (those awaiting its word
// first). A change I take part in is listed once, among mine.
"use strict";

(() => {
  const W = Workspace;
  const QUERY = `{ myWork {
    repairs { ${W.STORY_ROW} }
    commitments { id repairId action dueAt status keptAt keptOnTime lapseCount releasedAt ownerDepartment }
    awaitingYourConsent { repairId version proposedAt proposedBy { personId department }
      commitments { action dueAt owner { personId department } } }
    changes { yourRoles yourDepartments change { id title kind ownerDepartment plannedGoLive
      wentLiveAt responseMode engagementState engagements { department standing } } } } }`;
  const STATUS = { open: "open", kept: "kept", lapsed: "lapsed", released: "released" };

  function commitments(list) {
    if (!list.length) return W.el("p", { class: "hint" }, "You own no commitment.");
    return W.el("table", {},
      W.el("caption", {}, "Open and lapsed first, soonest due first."),
      W.el("thead", {}, W.el("tr", {}, ["What", "Due", "Status", "Repair"].map((h) => W.el("th", { scope: "col" }, h)))),
      W.el("tbody", {}, list.map((c) => W.el("tr", { "data-commitment": c.id, "data-status": c.status },
        W.el("td", {}, c.action === null ? W.el("span", { class: "erased" }, "erased") : c.action),
        W.el("td", {}, W.when(c.dueAt)),
        W.el("td", { class: `status-${c.status}` },
          c.status === "kept" ? (c.keptOnTime ? "kept on time" : "kept late") : STATUS[c.status],
          c.lapseCount ? W.el("span", { class: "hint" }, `lapsed ${c.lapseCount}×`) : null),
        W.el("td", {}, W.repairLink(c.repairId))))));
  }

  function consent(list) {
    if (!list.length) return W.el("p", { class: "hint" }, "Nothing waits for your consent.");
    return W.el("ul", {}, list.map((p) => W.el("li", { "data-repair": p.repairId },
      W.repairLink(p.repairId, `Version ${p.version} of repair ${p.repairId.slice(0, 8)}`),
      ` proposed ${W.when(p.proposedAt)} by ${W.person(p.proposedBy)}: `,
      W.el("ul", {}, (p.commitments || []).map((c) => W.el("li", {},
        `${W.person(c.owner)} — `, c.action === null ? W.el("span", { class: "erased" }, "erased") : c.action,
        `, by ${W.when(c.dueAt)}`))),
      W.el("a", { href: `/repairs/${p.repairId}#consent` }, "Give or decline consent"))));
  }

  // My part in a change: the owner's side, or a representative of the departments I speak for.
  function part(m) {
    const roles = m.yourRoles.map((r) => (r === "owner" ? `owner (${m.change.ownerDepartment})` : null)).filter(Boolean);
    if (m.yourRoles.includes("representative")) {
      const spoken = m.yourDepartments.filter((d) => d !== m.change.ownerDepartment || !m.yourRoles.includes("owner"));
      roles.push(`representative of ${(spoken.length ? spoken : m.yourDepartments).join(", ")}`);
    }
    return roles.join("; ");
  }

  // Where it stands: once live, its mode; before, each department I speak for (the owner: all).
  function standing(m) {
    const c = m.change;
    if (c.wentLiveAt) return `live since ${W.when(c.wentLiveAt)} (${W.words(c.responseMode)})`;
    const mineOnly = c.engagements.filter((e) => m.yourDepartments.includes(e.department));
    if (!mineOnly.length) return W.words(c.engagementState);
    return mineOnly.map((e) => `${e.department}: ${e.standing}`).join(", ");
  }

  function awaitsMyWord(m) {
    return !m.change.wentLiveAt && m.change.engagements.some(
      (e) => m.yourDepartments.includes(e.department) && ["told", "engaged"].includes(e.standing));
  }

  function myChanges(list) {
    if (!list.length) return W.el("p", { class: "hint" }, "You take part in no planned change yet.");
    return W.el("table", {},
      W.el("caption", {}, "Not yet live first, soonest go-live first; then those live, latest first."),
      W.el("thead", {}, W.el("tr", {}, ["Change", "Go-live", "My part", "Where it stands"].map((h) => W.el("th", { scope: "col" }, h)))),
      W.el("tbody", {}, list.map((m) => W.el("tr", {
        "data-change": m.change.id, "data-live": m.change.wentLiveAt ? "yes" : "no",
        "data-awaiting": awaitsMyWord(m) ? "yes" : "no" },
      W.el("td", {}, W.el("a", { href: `/changes/${m.change.id}`, "data-change": m.change.id }, m.change.title),
        W.el("span", { class: "hint" }, `${m.change.kind} by ${m.change.ownerDepartment}`)),
      W.el("td", {}, W.when(m.change.wentLiveAt || m.change.plannedGoLive)),
      W.el("td", {}, part(m)),
      W.el("td", {}, standing(m))))));
  }

  const CHANGES = `query($department: String) { changes(first: 50, live: false, department: $department) { edges { node {
      id title kind ownerDepartment plannedGoLive engagements { department standing } } } } }`;

  function changes(viewer, list, taken) {
    if (!viewer.department) return W.el("p", { class: "hint" }, "Your sign-in names no department.");
    if (!viewer.roles.includes("department_lead") && !viewer.roles.includes("change_team")) {
      return W.el("p", { class: "hint" }, "Your department's lead sees all of its planned changes here; those you take part in are listed above.");
    }
    if (!list.length) {
      return W.el("p", { class: "hint" }, taken ? "No other planned change concerns your department." : "No planned change concerns your department.");
    }
    const word = (c) => (c.engagements.find((e) => e.department === viewer.department) || {}).standing;
    const awaiting = (c) => ["told", "engaged"].includes(word(c));
    const rows = [...list].sort((a, b) => Number(awaiting(b)) - Number(awaiting(a)) || a.plannedGoLive.localeCompare(b.plannedGoLive));
    return W.el("table", {},
      W.el("caption", {}, taken ? "Not yet live, and not among those you take part in; those awaiting your department's word first."
        : "Not yet live; those awaiting your department's word first."),
      W.el("thead", {}, W.el("tr", {}, ["Change", "Go-live", "Your department"].map((h) => W.el("th", { scope: "col" }, h)))),
      W.el("tbody", {}, rows.map((c) => W.el("tr", { "data-change": c.id, "data-awaiting": awaiting(c) ? "yes" : "no" },
        W.el("td", {}, W.el("a", { href: `/changes/${c.id}` }, c.title), W.el("span", { class: "hint" }, `${c.kind} by ${c.ownerDepartment}`)),
        W.el("td", {}, W.when(c.plannedGoLive)),
        W.el("td", {}, c.ownerDepartment === viewer.department && !word(c) ? "owns it"
          : awaiting(c) ? `your word is awaited (${word(c)})` : word(c))))));
  }

  W.start(async () => {
    const work = (await W.gql(QUERY)).data.myWork;
    document.getElementById("consent").replaceChildren(consent(work.awaitingYourConsent));
    document.getElementById("commitments").replaceChildren(commitments(work.commitments));
    document.getElementById("repairs").replaceChildren(W.repairTable(work.repairs, "Soonest next step first; closed repairs last."));
    document.getElementById("my-changes").replaceChildren(myChanges(work.changes));
    const viewer = (await W.gql("{ viewer { department roles } }")).data.viewer;
    const lists = viewer.department && (viewer.roles.includes("department_lead") || viewer.roles.includes("change_team"));
    const mine = lists ? (await W.gql(CHANGES, { department: viewer.department })).data.changes.edges.map((e) => e.node) : [];
    // A change I take part in is already listed among mine: listed once.
    const taken = new Set(work.changes.map((m) => m.change.id));
    const others = mine.filter((c) => !taken.has(c.id));
    document.getElementById("changes").replaceChildren(changes(viewer, others, others.length < mine.length));
  });
})();
