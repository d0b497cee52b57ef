// A live update redraws the dashboard's buttons and chart marks; whoever had one focused
// (a keyboard user about to press Enter on a figure) keeps their place on its redrawn twin.
"use strict";

const LiveFocus = (() => {
  const attributes = (element) =>
    Object.entries(element.dataset)
      .map(([name, value]) => `[data-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${CSS.escape(value)}"]`)
      .join("");

  // A selector for the focused element: its nearest ancestor with an id, then each element on
  // the way down that carries data attributes (a table row's pair, then its button's figure).
  function place() {
    const focused = document.activeElement;
    if (!focused || focused === document.body || focused.id) return null;
    const steps = [];
    let element = focused;
    while (element && !element.id) {
      if (element === focused || Object.keys(element.dataset).length) {
        steps.unshift(`${element.tagName.toLowerCase()}${attributes(element)}`);
      }
      element = element.parentElement;
    }
    return element && attributes(focused) ? `#${CSS.escape(element.id)} ${steps.join(" ")}` : null;
  }

  // Run `redraw`, then focus the redrawn twin of what was focused, if the redraw removed it.
  function keep(redraw) {
    const selector = place();
    redraw();
    if (!selector || document.activeElement !== document.body) return;
    const twin = document.querySelector(selector);
    if (twin) twin.focus();
  }

  return { keep };
})();
