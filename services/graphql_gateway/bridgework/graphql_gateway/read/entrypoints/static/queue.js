// A facilitator's queue: repairs nobody facilitates yet (offer to facilitate, or assign
// someone when you are the change team or a lead), and your own repairs by next step.
"use strict";

(() => {
  const W = Workspace;
  const QUERY = `{ viewer { personId roles department }
    facilitationQueue(first: 50) { id openedAt category departments agreementDueBy incidentCount
      pendingOffers offeredByYou }
    myWork { repairs { ${W.STORY_ROW} } } }`;
  const OFFER = `mutation($repairId: UUID!) { offerToFacilitate(repairId: $repairId) { ${W.RESULT} } }`;
  const ASSIGN = `mutation($repairId: UUID!, $facilitator: PersonInput!) {
    assignFacilitator(repairId: $repairId, facilitator: $facilitator) { ${W.RESULT} } }`;
  let reload = null;

  function offerForm(repair) {
    return W.form(`Offer to facilitate ${repair.id.slice(0, 8)}`, [], "Offer to facilitate", async (form) => {
      if (await W.act(form, "offerToFacilitate", OFFER, { repairId: repair.id })) {
        W.say("Your offer waits for the change team or a lead of a department involved.", true);
        [700, 2500].forEach((ms) => setTimeout(reload, ms));
      }
    });
  }

  function assignForm(repair, viewer) {
    const id = W.el("input", { "data-field": "facilitator.person_id", required: true, autocomplete: "off" });
    const department = W.el("input", { "data-field": "facilitator.department", required: true, value: viewer.department || "" });
    return W.form(`Assign a facilitator to ${repair.id.slice(0, 8)}`, [
      W.field("Facilitator's person id", id),
      W.field("Their department", department),
    ], "Assign", async (form) => {
      const facilitator = { personId: id.value.trim(), department: department.value.trim() };
      if (await W.act(form, "assignFacilitator", ASSIGN, { repairId: repair.id, facilitator })) {
        W.say(`${facilitator.personId} now facilitates repair ${repair.id.slice(0, 8)}.`, true);
        [700, 2500].forEach((ms) => setTimeout(reload, ms));
      }
    });
  }

  function waiting(data) {
    const box = document.getElementById("waiting");
    box.replaceChildren();
    const roles = data.viewer.roles;
    if (!data.facilitationQueue.length) {
      box.append(W.el("p", { class: "hint" }, "No repair is waiting for a facilitator."));
      return;
    }
    const oversees = roles.includes("change_team") || roles.includes("department_lead");
    for (const repair of data.facilitationQueue) {
      const forms = [];
      if (roles.includes("facilitator") && !repair.offeredByYou) forms.push(offerForm(repair));
      if (oversees) forms.push(assignForm(repair, data.viewer));
      box.append(W.el("article", { class: "queued", "data-repair": repair.id, "aria-label": `Repair ${repair.id.slice(0, 8)}` },
        W.el("h3", {}, W.repairLink(repair.id), ` · ${W.words(repair.category)} · ${repair.departments.join(" – ")}`),
        W.el("dl", { class: "facts" },
          W.el("dt", {}, "Opened"), W.el("dd", {}, W.when(repair.openedAt)),
          W.el("dt", {}, "Agreement due by"), W.el("dd", {}, W.when(repair.agreementDueBy)),
          W.el("dt", {}, "Incidents"), W.el("dd", {}, String(repair.incidentCount)),
          W.el("dt", {}, "Offers waiting"), W.el("dd", {}, repair.offeredByYou ? `${repair.pendingOffers} (yours among them)` : String(repair.pendingOffers))),
        W.el("div", { class: "actions" }, forms)));
    }
  }

  reload = W.start(async () => {
    const body = await W.gql(QUERY);
    if (body.errors) W.say(body.errors.map((e) => e.message).join("; "));
    const data = body.data;
    if (data.facilitationQueue) waiting(data);
    else document.getElementById("waiting").replaceChildren(W.el("p", { class: "hint" }, "The queue is for facilitators, leads and the change team."));
    document.getElementById("mine").replaceChildren(W.repairTable(data.myWork.repairs, "Soonest next step first; closed repairs last."));
  });
})();
