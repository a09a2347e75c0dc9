// <button data-print>: open the browser's print dialog (no inline onclick: the
// Content-Security-Policy allows scripts from static files only).
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (button) window.print();
});
