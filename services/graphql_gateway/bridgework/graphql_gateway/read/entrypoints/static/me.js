// A participant's view: what waits for my consent, my commitments, my repairs.
"use strict";

(() => {
  const W = Workspace;
  const QUERY = `{ myWork {
    repairs { ${W.STORY_ROW} }
    commitments { id repairId action dueAt status keptAt keptOnTime lapseCount releasedAt ownerDepartment }
    awaitingYourConsent { repairId version proposedAt proposedBy { personId department }
      commitments { action dueAt owner { personId department } } } } }`;
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

  W.start(async () => {
    const work = (await W.gql(QUERY)).data.myWork;
    document.getElementById("consent").replaceChildren(consent(work.awaitingYourConsent));
    document.getElementById("commitments").replaceChildren(commitments(work.commitments));
    document.getElementById("repairs").replaceChildren(W.repairTable(work.repairs, "Soonest next step first; closed repairs last."));
  });
})();
