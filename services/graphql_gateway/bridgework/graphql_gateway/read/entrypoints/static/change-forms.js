// The forms of a change's page: one per action the viewer may take in its engagement, each one
// GraphQL mutation answering with the engagement as agreements now tells it. The API's
// refusals show beside the field they name (Workspace.showErrors).
"use strict";

const ChangeForms = (() => {
  const W = Workspace;
  const el = W.el;
  const m = (signature, call) => `mutation(${signature}) { ${call} { ${W.RESULT} } }`;
  const MUTATIONS = {
    joinChange: m("$changeId: UUID!, $role: EngagementRole!", "joinChange(changeId: $changeId, role: $role)"),
    answerChangeQuestions: m("$changeId: UUID!, $answers: [EngagementAnswerInput!]!",
      "answerChangeQuestions(changeId: $changeId, answers: $answers)"),
    proposeAdjustments: m("$changeId: UUID!, $adjustments: [AdjustmentInput!]!",
      "proposeAdjustments(changeId: $changeId, adjustments: $adjustments)"),
    answerChangeProposal: m("$changeId: UUID!, $department: String!, $version: Int!, $decision: DepartmentDecision!, $reason: String",
      "answerChangeProposal(changeId: $changeId, department: $department, version: $version, decision: $decision, reason: $reason)"),
    keepAdjustment: m("$changeId: UUID!, $commitmentId: UUID!", "keepAdjustment(changeId: $changeId, commitmentId: $commitmentId)"),
  };
  const QUESTIONS = [
    ["what_changes_for_you", "What will this change for you?"],
    ["what_worries_you", "What worries you about it?"],
    ["what_would_make_it_work", "What would make it work for you?"],
  ];
  const KINDS = [["notice", "notice given"], ["alternative", "an approved alternative"], ["testers", "testers nominated"],
    ["data_moved", "data moved by a date"], ["other", "other"]];

  const options = (values, chosen) => values.map(([value, text]) => el("option", { value, selected: value === chosen }, text));
  // A datetime-local value (UTC) and back: the pages speak UTC, as every date they show.
  const localValue = (iso) => (iso ? new Date(iso).toISOString().slice(0, 16) : "");
  const fromLocal = (value) => (value ? new Date(`${value}:00Z`).toISOString() : null);

  // Runs one mutation; true when agreements made the change (the page then reads it again).
  async function act(form, name, variables) {
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    try {
      const body = await W.gql(MUTATIONS[name], variables);
      if (body.errors) {
        W.showErrors(form, body.errors.map((e) => ({ field: (e.extensions || {}).field || "(form)", reason: e.message })));
        return false;
      }
      const result = body.data[name];
      if (result.__typename === "ChangeEngagement") {
        W.showErrors(form, []);
        return true;
      }
      if (result.__typename === "ValidationFailed") W.showErrors(form, result.fields);
      else W.showErrors(form, [{ field: "(form)", reason: result.detail || result.__typename }]);
      return false;
    } catch (error) {
      W.showErrors(form, [{ field: "(form)", reason: error.message }]);
      return false;
    } finally {
      if (button) button.disabled = false;
    }
  }

  function build(change, viewer, done) {
    const changeId = change.changeId;
    const run = (name, variables, message) => async (form) => {
      if (await act(form, name, { changeId, ...variables() })) {
        W.say(message, true);
        done();
      }
    };
    const has = (action) => change.yourActions.includes(action);
    const forms = [];
    if (has("join_as_representative")) {
      forms.push(W.form(`Take part for ${viewer.department}`, [el("p", { class: "hint" },
        `You will represent ${viewer.department}: answer the questions, and consent or object for it.`)],
      "Take part", run("joinChange", () => ({ role: "representative" }), `You take part for ${viewer.department}.`)));
    }
    if (has("join_as_owner")) {
      forms.push(W.form("Take part on the owner's side", [el("p", { class: "hint" },
        "You will work with the affected departments and propose adjustments.")],
      "Take part", run("joinChange", () => ({ role: "owner" }), "You take part on the owner's side.")));
    }
    if (has("answer_questions")) forms.push(questionsForm(run));
    if (has("answer_proposal")) forms.push(consentForm(change, viewer, run));
    if (has("propose")) forms.push(proposalForm(change, run));
    return forms;
  }

  function questionsForm(run) {
    const boxes = QUESTIONS.map(([key, text], index) => {
      const area = el("textarea", { "data-field": `answers.${index}.text`, "data-question": key, rows: 2 });
      return [area, W.field(text, area)];
    });
    return W.form("Answer the proactive questions", boxes.map(([, field]) => field), "Send my answers",
      run("answerChangeQuestions", () => ({
        answers: boxes.map(([area]) => area).filter((a) => a.value.trim())
          .map((a) => ({ question: a.dataset.question, text: a.value.trim() })),
      }), "Your answers are recorded."));
  }

  function consentForm(change, viewer, run) {
    const proposal = change.currentProposal;
    const mine = change.people.find((p) => p.person.personId === viewer.personId && p.role === "representative");
    const department = mine ? mine.person.department : viewer.department;
    const decision = el("select", { "data-field": "decision" }, options([["consent", "We consent"], ["object", "We object"]]));
    const reason = el("textarea", { "data-field": "reason", rows: 2 });
    const node = W.form(`${department}'s answer to version ${proposal.version}`, [
      W.field("Decision", decision), W.field("Reason (needed to object)", reason),
    ], "Send our answer", run("answerChangeProposal",
      () => ({ department, version: proposal.version, decision: decision.value, reason: reason.value.trim() || null }),
      `${department}'s answer is recorded.`));
    node.id = "consent";
    return node;
  }

  function adjustmentFields(change, index, terms) {
    const people = change.people.map((p) => p.person);
    const kind = el("select", { "data-field": `adjustments.${index}.kind` }, options(KINDS, terms ? terms.kind : "notice"));
    const owner = el("select", { "data-field": `adjustments.${index}.owner` },
      people.map((p) => el("option", { value: p.personId, selected: terms && terms.owner.personId === p.personId }, `${p.personId} (${p.department})`)));
    const action = el("textarea", { "data-field": `adjustments.${index}.action`, rows: 2 });
    action.value = (terms && terms.action) || "";
    const due = el("input", { type: "datetime-local", "data-field": `adjustments.${index}.due_at`, value: localValue(terms && terms.dueAt) });
    const owed = el("input", { "data-field": `adjustments.${index}.owed_to_departments`, autocomplete: "off",
      value: terms ? terms.owedToDepartments.join(", ") : change.affectedDepartments.join(", ") });
    const box = el("fieldset", { class: "adjustment", "data-commitment-id": terms ? terms.commitmentId : "" },
      el("legend", {}, `Adjustment ${index + 1}`),
      W.field("Kind", kind), W.field("Who will do it", owner), W.field("What will be done", action),
      W.field("Due (UTC)", due), W.field("Owed to departments (comma-separated)", owed));
    box.read = () => {
      const who = people.find((p) => p.personId === owner.value);
      return {
        kind: kind.value,
        owner: who ? { personId: who.personId, department: who.department } : { personId: owner.value, department: "" },
        action: action.value.trim(),
        dueAt: fromLocal(due.value),
        owedToDepartments: owed.value.split(",").map((d) => d.trim()).filter(Boolean),
        commitmentId: box.dataset.commitmentId || null,
      };
    };
    return box;
  }

  function proposalForm(change, run) {
    const current = change.currentProposal;
    const rows = el("div", {});
    const add = (terms) => rows.append(adjustmentFields(change, rows.children.length, terms));
    for (const terms of (current && current.adjustments) || []) add(terms);
    if (!rows.children.length) add(null);
    const more = el("button", { type: "button", class: "secondary", onclick: () => add(null) }, "Add an adjustment");
    const title = current ? `Propose a revised version (version ${current.version} is on the table)` : "Propose adjustments";
    const node = W.form(title, [rows, more], "Propose", run("proposeAdjustments",
      () => ({ adjustments: [...rows.children].map((box) => box.read()) }), "The adjustments are put to every department."));
    node.id = "propose";
    return node;
  }

  // "Mark as kept" beside one adjustment of the agreed version.
  function keepForm(change, adjustment, done) {
    return W.form("Mark as kept", [], "It was kept", async (form) => {
      if (await act(form, "keepAdjustment", { changeId: change.changeId, commitmentId: adjustment.commitmentId })) {
        W.say("The adjustment is kept.", true);
        done();
      }
    });
  }

  return { build, keepForm, QUESTIONS };
})();
