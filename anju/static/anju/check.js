// /check/: ask only what the policies of the chosen place need (without a choice, ask everything).
(function () {
  var select = document.getElementById("region");
  if (!select) return;
  function show() {
    var code = select.value;
    document.querySelectorAll("fieldset[data-regions]").forEach(function (box) {
      var wanted = !code || box.dataset.regions.split(" ").some(function (p) { return code.indexOf(p) === 0; });
      box.hidden = !wanted;
    });
  }
  select.addEventListener("change", show);
  show();
})();
