// Questionnaire enhancements. Everything works without this file.
(function () {
  "use strict";

  // After htmx swaps in the next question, move focus to its heading so that screen
  // readers announce it, as a full page load would.
  document.body.addEventListener("htmx:afterSettle", function () {
    var heading = document.querySelector("#main-content h1");
    if (heading) {
      heading.focus();
    }
    enhance();
  });

  // "Exit this page quickly": replace this page in the history so Back does not return.
  document.addEventListener("click", function (event) {
    var exit = event.target.closest("[data-quick-exit]");
    if (exit) {
      event.preventDefault();
      window.location.replace(exit.href);
    }
  });

  function enhance() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.onclick = function () { window.print(); };
    });
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      if (!navigator.clipboard) {
        return;
      }
      button.hidden = false;
      button.onclick = function () {
        var field = document.querySelector(button.getAttribute("data-copy"));
        var status = document.querySelector("[data-copy-status]");
        navigator.clipboard.writeText(field.value).then(function () {
          if (status) {
            status.textContent = button.getAttribute("data-copied");
          }
        });
      };
    });
  }

  enhance();
})();
