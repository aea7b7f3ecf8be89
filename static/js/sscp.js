import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();

// A table wider than the screen scrolls inside its box: say so in words, and let the
// keyboard reach the box to scroll it.
function markScrollingTables() {
  for (const wrapper of document.querySelectorAll(".sscp-table-wrapper")) {
    const scrolls = wrapper.scrollWidth > wrapper.clientWidth + 1;
    const hint = wrapper.previousElementSibling;
    const hasHint = hint && hint.classList.contains("sscp-table-hint");
    if (scrolls && !hasHint) {
      const caption = wrapper.querySelector("caption");
      wrapper.setAttribute("tabindex", "0");
      wrapper.setAttribute("role", "region");
      wrapper.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table");
      const words = document.createElement("p");
      words.className = "sscp-table-hint";
      words.textContent = "The table is wider than the screen: scroll sideways to see every column.";
      wrapper.before(words);
    } else if (!scrolls && hasHint) {
      hint.remove();
      wrapper.removeAttribute("tabindex");
      wrapper.removeAttribute("role");
      wrapper.removeAttribute("aria-label");
    }
  }
}

markScrollingTables();
window.addEventListener("resize", markScrollingTables);

// GOV.UK's timeout warning: a dialog opens SESSION_WARNING_SECONDS before the idle limit
// (focus on "Stay signed in"; Escape stays signed in too). Staying restarts the server's
// idle clock. At the limit the page goes to the sign-in page, which brings the person back;
// unless they have typed into a form here: then the page stays, and saving it asks them to
// sign in and brings the form back filled (sscp.middleware.KeepWhatWasTypedMiddleware).
function timeoutWarning() {
  const dialog = document.getElementById("sscp-timeout");
  if (!dialog || typeof dialog.showModal !== "function") return;
  const limit = Number(dialog.dataset.sessionSeconds) * 1000;
  const warning = Number(dialog.dataset.warningSeconds) * 1000;
  const form = dialog.querySelector("form");
  let typed = false;
  let ended = false;
  let warn;
  let end;
  document.addEventListener("input", (event) => {
    if (!dialog.contains(event.target)) typed = true;
  });
  const signedOut = () => {
    if (!typed) {
      const here = window.location.pathname + window.location.search;
      window.location.assign(`${dialog.dataset.signIn}?next=${encodeURIComponent(here)}`);
      return;
    }
    ended = true;
    dialog.querySelector("h2").textContent = "You have been signed out";
    dialog.querySelector("p").textContent =
      "What you typed is not lost: save it, sign in again, and it comes back filled in.";
    form.querySelector("button").textContent = "Continue";
    if (!dialog.open) dialog.showModal();
  };
  const start = () => {
    clearTimeout(warn);
    clearTimeout(end);
    warn = setTimeout(() => dialog.showModal(), Math.max(limit - warning, 0));
    end = setTimeout(signedOut, limit);
  };
  const stay = async () => {
    if (ended) {
      dialog.close();
      return;
    }
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
    });
    if (response.ok) {
      dialog.close();
      start();
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    stay();
  });
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    stay();
  });
  start();
}

timeoutWarning();
