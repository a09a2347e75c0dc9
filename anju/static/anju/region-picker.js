// Cascading region picker (see anju/regions/widgets.py). No framework: one listener per picker.
(function () {
  function setup(picker) {
    if (picker.dataset.ready) return;
    picker.dataset.ready = "1";
    const hidden = picker.querySelector("input[type=hidden]");
    picker.addEventListener("change", async function (event) {
      const select = event.target.closest("select.region-level");
      if (!select) return;
      let next = select.nextElementSibling;
      while (next) { const n = next.nextElementSibling; next.remove(); next = n; }
      const chosen = [...picker.querySelectorAll("select.region-level")].map(s => s.value).filter(Boolean);
      hidden.value = chosen.length ? chosen[chosen.length - 1] : "";
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
      if (!select.value) return;
      const response = await fetch(picker.dataset.childrenUrl + "?parent=" + encodeURIComponent(select.value));
      if (!response.ok) return;
      const items = await response.json();
      if (!items.length) return;
      const child = document.createElement("select");
      child.className = select.className;
      child.style.maxWidth = select.style.maxWidth;
      child.setAttribute("aria-label", select.getAttribute("aria-label"));
      child.add(new Option(picker.dataset.placeholder, ""));
      items.forEach(item => child.add(new Option(item.name, item.code)));
      picker.appendChild(child);
    });
  }
  function init(root) { (root || document).querySelectorAll(".region-picker").forEach(setup); }
  document.addEventListener("DOMContentLoaded", () => init());
  document.addEventListener("htmx:afterSwap", e => init(e.target));
})();
