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
