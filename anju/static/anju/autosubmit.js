// <select data-autosubmit> / <input data-autosubmit>: submit the form on change (no inline
// onchange handlers: the Content-Security-Policy allows scripts from static files only).
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.matches && field.matches("[data-autosubmit]") && field.form) field.form.submit();
});

// <input data-enter-stays>: Enter in a search box inside a larger form (the knowledge search on
// the ticket form) searches there instead of submitting the form half filled.
document.addEventListener("keydown", function (event) {
  var field = event.target;
  if (event.key === "Enter" && field.matches && field.matches("[data-enter-stays]")) {
    event.preventDefault();
    field.dispatchEvent(new Event("search", { bubbles: true }));
  }
});
