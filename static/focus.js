// After a refused form, move keyboard and screen-reader focus to the message that says why
// (the page works without this: the message is at the top and announced as an alert).
document.addEventListener("DOMContentLoaded", function () {
  var target = document.querySelector("[data-focus]");
  if (target) {
    target.focus();
  }
});
