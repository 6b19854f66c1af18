// Municipality pickers ("near me", the questionnaire): a select of ~300 municipalities
// becomes a text field with suggestions (a datalist). The select stays in the form, hidden,
// and carries the value, so the form sends the same code with or without this file.
(function () {
  "use strict";

  function enhance(select) {
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
    var described = select.getAttribute("aria-describedby");
    if (described) {
      input.setAttribute("aria-describedby", described);
    }
    input.className = "typeahead";
    var byName = {};
    Array.prototype.forEach.call(select.options, function (option) {
      if (option.value) {
        var item = document.createElement("option");
        item.value = option.text;
        list.appendChild(item);
        byName[option.text.toLocaleLowerCase()] = option.value;
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
      select.value = byName[input.value.trim().toLocaleLowerCase()] || "";
    });
    select.parentNode.insertBefore(input, select);
    select.parentNode.insertBefore(list, select);
  }

  function enhanceAll() {
    document.querySelectorAll("select[data-typeahead]").forEach(enhance);
  }

  enhanceAll();
  // Content swapped in by htmx (the questionnaire's next question) may bring a picker.
  document.body.addEventListener("htmx:afterSettle", enhanceAll);
})();
