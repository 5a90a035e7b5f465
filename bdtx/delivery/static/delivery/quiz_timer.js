// The quiz page's countdown: shows the time left (mm:ss) before the server's deadline. Optional: without it the
// page says the time to hand in by, and the server refuses late answers anyway.
(function () {
  "use strict";
  var timer = document.getElementById("quiz-timer");
  if (!timer) return;
  var end = Date.now() + Number(timer.dataset.seconds || 0) * 1000;
  var clock = document.createElement("strong");
  clock.className = "quiz-clock";
  timer.insertBefore(clock, timer.firstChild);
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    clock.textContent = pad(Math.floor(left / 60)) + ":" + pad(left % 60) + " · ";
    if (left <= 60) clock.classList.add("bad");
    if (left > 0) window.setTimeout(tick, 1000);
  }
  tick();
})();
