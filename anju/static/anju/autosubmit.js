// <select data-autosubmit> / <input data-autosubmit>: submit the form on change (no inline
// onchange handlers: the Content-Security-Policy allows scripts from static files only).
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.matches && field.matches("[data-autosubmit]") && field.form) field.form.submit();
});
