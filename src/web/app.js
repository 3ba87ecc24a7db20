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

// The decision forms: a filter box above each list of choices (people, posts, assets), shown
// only when this script runs; without it the lists work as they are (progressive enhancement).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input.filter[data-for]").forEach(function (box) {
    var target = document.getElementById(box.getAttribute("data-for"));
    if (!target) return;
    box.hidden = false;
    box.addEventListener("input", function () {
      var q = box.value.trim().toLowerCase();
      var items = target.tagName === "SELECT"
        ? target.querySelectorAll("option")
        : target.querySelectorAll(".choice");
      items.forEach(function (item) {
        if (item.tagName === "OPTION" && item.value === "") return;
        var text = item.textContent.toLowerCase();
        item.hidden = q !== "" && text.indexOf(q) < 0;
      });
    });
  });
});
