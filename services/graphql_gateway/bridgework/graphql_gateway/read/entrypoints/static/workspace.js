// What the people's pages share: the token (from `#token=` in the URL, then removed from the
// address bar, or the sign-in box; kept for the tab only, never in a query string), GraphQL
// over fetch, DOM building with text only (no HTML from data), and errors shown by their field.
"use strict";

const Workspace = (() => {
  const KEY = "bridgework-token";

  function token() {
    const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
    if (fromHash) {
      sessionStorage.setItem(KEY, fromHash);
      history.replaceState(null, "", location.pathname + location.search);
    }
    return sessionStorage.getItem(KEY);
  }

  class SignInNeeded extends Error {}

  async function gql(query, variables) {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token()}` },
      body: JSON.stringify({ query, variables: variables || {} }),
    });
    if (response.status === 401) {
      sessionStorage.removeItem(KEY);
      throw new SignInNeeded("Your sign-in has expired or is not valid: sign in again.");
    }
    const body = await response.json();
    if (body.errors && !body.data) throw new Error(body.errors.map((e) => e.message).join("; "));
    return body;
  }

  // el("p", { class: "hint" }, "text", child): attributes set one by one, text as text.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (value === true) node.setAttribute(name, "");
      else node.setAttribute(name, String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function when(iso) {
    if (!iso) return "–";
    const d = new Date(iso);
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ` +
      `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
  }

  const person = (p) => (p ? `${p.personId} (${p.department})` : "someone");
  const words = (value) => String(value || "").replaceAll("_", " ");

  // A field a form names (`data-field="reason"`) gets the API's reason beside it; what names
  // no field of the form is said at the form's foot. Each error is tied to its control.
  function showErrors(form, errors) {
    for (const old of form.querySelectorAll(".error")) old.textContent = "";
    for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
    let first = null;
    for (const { field, reason } of errors) {
      const parts = String(field).split(".");
      let control = null;
      for (let i = 0; i < parts.length && !control; i += 1) {
        control = form.querySelector(`[data-field="${CSS.escape(parts.slice(i).join("."))}"]`);
      }
      if (!control) control = form.querySelector(`[data-field="${CSS.escape(parts[parts.length - 1])}"]`);
      const slot = control
        ? form.querySelector(`#${CSS.escape(control.getAttribute("aria-describedby") || "")}`)
        : form.querySelector(".form-error");
      if (control) control.setAttribute("aria-invalid", "true");
      if (slot) slot.textContent = slot.textContent ? `${slot.textContent} ${reason}` : reason;
      first = first || control;
    }
    if (first) first.focus();
  }

  // Runs one mutation; true when the change was made. `name` is the mutation's field.
  async function act(form, name, document, variables) {
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    try {
      const body = await gql(document, variables);
      const result = body.data && body.data[name];
      if (body.errors) {
        showErrors(form, body.errors.map((e) => ({ field: (e.extensions || {}).field || "(form)", reason: e.message })));
        return false;
      }
      if (!result || result.__typename === "RepairChanged" || result.__typename === "ConversationRecorded") {
        showErrors(form, []);
        return true;
      }
      if (result.__typename === "ValidationFailed") showErrors(form, result.fields);
      else showErrors(form, [{ field: "(form)", reason: result.detail || result.__typename }]);
      return false;
    } catch (error) {
      showErrors(form, [{ field: "(form)", reason: error.message }]);
      return false;
    } finally {
      if (button) button.disabled = false;
    }
  }

  // Every result of a mutation, as act() reads it.
  const RESULT = `__typename ... on ValidationFailed { fields { field reason } }
    ... on NotAllowed { code detail } ... on NotFound { code detail } ... on Conflict { code detail }
    ... on ServiceUnavailable { detail }`;

  let counter = 0;
  // A labelled control with its error slot: the label names it, the slot describes it.
  function field(label, control, hint) {
    counter += 1;
    const id = `f${counter}`;
    control.id = id;
    control.setAttribute("aria-describedby", `${id}-error`);
    return el("div", { class: "field" },
      el("label", { for: id }, label),
      hint ? el("span", { class: "hint" }, hint) : null,
      control,
      el("span", { class: "error", id: `${id}-error`, "aria-live": "polite" }));
  }

  function form(title, controls, submit, onsubmit) {
    const node = el("form", { class: "action", "aria-label": title },
      el("h3", {}, title), ...controls,
      el("p", { class: "form-error error", role: "alert" }),
      el("button", { type: "submit" }, submit));
    node.addEventListener("submit", (event) => {
      event.preventDefault();
      onsubmit(node);
    });
    return node;
  }

  // The status line: what was done (`done`), or what went wrong.
  function say(text, done) {
    const line = document.getElementById("message");
    line.textContent = text || "";
    line.dataset.kind = done ? "done" : "problem";
  }

  // Signs the page in (sign-in box) and runs `load` whenever there is a token.
  function start(load) {
    const signin = document.getElementById("signin");
    let first = true;
    const run = async () => {
      if (first) say("");
      first = false;
      if (!token()) {
        signin.hidden = false;
        document.body.dataset.state = "signed-out";
        return;
      }
      signin.hidden = true;
      try {
        await load();
        document.body.dataset.state = "ready";
      } catch (error) {
        say(error.message);
        document.body.dataset.state = "error";
        if (!token()) signin.hidden = false;
      }
    };
    document.getElementById("signin-form").addEventListener("submit", (event) => {
      event.preventDefault();
      sessionStorage.setItem(KEY, document.getElementById("token").value.trim());
      run();
    });
    run();
    return run;
  }

  // The fields a list of repairs by next step needs (MyWork.repairs).
  const STORY_ROW = `repair { id status departments category openedAt }
    yourRoles next { waitingFor onDepartments dueAt on { personId department } }`;
  const WAITING = {
    facilitator: "a facilitator", participants: "the facilitator to bring people in",
    proposal: "the facilitator to propose terms", consent: "consent",
    commitment: "a commitment to be kept", renegotiation: "a lapsed commitment to be renegotiated",
    check_in: "the affected to check in", closing: "the facilitator to close it", nothing: "nothing (closed)",
  };

  function nextStep(next) {
    if (next.waitingFor === "nothing") return "Nothing: the repair is closed";
    const who = next.on && next.on.length ? ` from ${next.on.map(person).join(", ")}` : "";
    return `Waits for ${WAITING[next.waitingFor] || words(next.waitingFor)}${who}`;
  }

  function repairLink(id, text) {
    return el("a", { href: `/repairs/${id}` }, text || `Repair ${String(id).slice(0, 8)}`);
  }

  function repairTable(stories, caption) {
    if (!stories.length) return el("p", { class: "hint" }, "None.");
    return el("table", {},
      el("caption", {}, caption),
      el("thead", {}, el("tr", {}, ["Repair", "Departments", "You are", "Next step", "Due"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, stories.map((s) => el("tr", { "data-repair": s.repair.id, "data-waiting": s.next.waitingFor },
        el("td", {}, repairLink(s.repair.id), el("span", { class: "hint" }, `${words(s.repair.category)} · ${s.repair.status}`)),
        el("td", {}, s.repair.departments.join(", ")),
        el("td", {}, s.yourRoles.join(", ") || "–"),
        el("td", {}, nextStep(s.next)),
        el("td", {}, when(s.next.dueAt))))));
  }

  return {
    token, gql, el, when, person, words, field, form, act, RESULT, say, start, showErrors,
    STORY_ROW, nextStep, repairLink, repairTable,
  };
})();
