// "Tick all" boxes: <input type="checkbox" data-select-all="plan" hidden> ticks or unticks every box named "plan"
// in the same form. The box stays hidden without JavaScript; each row can still be ticked by hand.
(function () {
  "use strict";

  document.querySelectorAll("input[type=checkbox][data-select-all]").forEach(function (master) {
    var scope = master.form || document;
    var name = master.getAttribute("data-select-all");
    master.hidden = false;
    master.addEventListener("change", function () {
      scope.querySelectorAll("input[type=checkbox]").forEach(function (box) {
        if (box.name === name) box.checked = master.checked;
      });
    });
  });
})();
