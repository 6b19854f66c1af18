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
    typeahead();
  }

  // Municipality: a text field with suggestions instead of a 300-item list.
  function typeahead() {
    document.querySelectorAll("select[data-typeahead]").forEach(function (select) {
      if (select.dataset.enhanced) {
        return;
      }
      select.dataset.enhanced = "1";
      var list = document.createElement("datalist");
      list.id = select.id + "-list";
      var input = document.createElement("input");
      input.type = "text";
      input.id = select.id;
      input.setAttribute("list", list.id);
      input.setAttribute("autocomplete", "off");
      input.setAttribute("aria-describedby", select.getAttribute("aria-describedby") || "");
      input.className = "typeahead";
      var byName = {};
      Array.prototype.forEach.call(select.options, function (option) {
        if (option.value) {
          var item = document.createElement("option");
          item.value = option.text;
          list.appendChild(item);
          byName[option.text.toLowerCase()] = option.value;
        }
        if (option.selected && option.value) {
          input.value = option.text;
        }
      });
      select.id = select.id + "-select";
      select.hidden = true;
      select.setAttribute("aria-hidden", "true");
      select.tabIndex = -1;
      input.addEventListener("input", function () {
        select.value = byName[input.value.trim().toLowerCase()] || "";
      });
      select.parentNode.insertBefore(input, select);
      select.parentNode.insertBefore(list, select);
    });
  }

  enhance();
})();
