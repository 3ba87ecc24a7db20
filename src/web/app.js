// govledger auditor view: the only script. Shows progress while "verify now" runs.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("verify-form");
  if (!form) return;
  form.addEventListener("submit", function () {
    var button = form.querySelector("button");
    var progress = document.getElementById("verify-progress");
    if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
    if (progress) { progress.hidden = false; }
  });
});
