// Attendance and check-in (delivery): small enhancements; every page works without them.
// - [data-fullscreen="id"]: a button that shows that element full screen (the presenter's QR screen).
// - form.attendance-sheet: live counts of present / absent / excused, and an "everyone present" button.
(function () {
  "use strict";

  document.querySelectorAll("[data-fullscreen]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-fullscreen"));
    if (!target || !target.requestFullscreen) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      if (document.fullscreenElement) {
        document.exitFullscreen();
      } else {
        target.requestFullscreen().catch(function () {});
      }
    });
  });

  document.querySelectorAll("form.attendance-sheet").forEach(function (form) {
    var tallies = form.querySelectorAll("[data-tally]");
    function count() {
      var totals = {};
      form.querySelectorAll("input[type=radio]:checked").forEach(function (input) {
        totals[input.value] = (totals[input.value] || 0) + 1;
      });
      tallies.forEach(function (node) {
        node.textContent = totals[node.getAttribute("data-tally")] || 0;
      });
    }
    form.addEventListener("change", count);
    form.querySelectorAll("[data-mark-all]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var value = button.getAttribute("data-mark-all");
        form.querySelectorAll("input[type=radio][value=" + value + "]").forEach(function (input) {
          input.checked = true;
        });
        count();
      });
    });
  });
})();
