// Loads htmx the first time someone starts to use a form that htmx enhances, so that a
// page that is only read does not download or run it. Until htmx has loaded, the form
// works as a plain HTML form. If something was typed or ticked while htmx was loading,
// the form's request is made once it is there (as a "submit" to htmx: the input event
// itself would be ignored, because htmx takes the value it finds as the unchanged one).
(function () {
  "use strict";
  var source = document.currentScript && document.currentScript.getAttribute("data-htmx");
  var state = "idle"; // idle -> loading -> ready
  var pending = []; // forms changed while htmx was loading

  function enhanced(target) {
    return target && target.closest && target.closest("[hx-get], [hx-post]");
  }

  function replay() {
    var forms = pending;
    pending = [];
    forms.forEach(function (form) {
      window.htmx.trigger(form, "submit");
    });
  }

  function load() {
    if (state !== "idle" || !source) {
      return;
    }
    state = "loading";
    var script = document.createElement("script");
    script.src = source;
    script.onload = function () {
      state = "ready";
      window.htmx.process(document.body);
      replay();
    };
    document.head.appendChild(script);
  }

  ["focusin", "pointerdown", "keydown"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      if (enhanced(event.target)) {
        load();
      }
    }, { passive: true });
  });

  ["input", "change"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var form = enhanced(event.target);
      if (state === "ready" || !form) {
        return;
      }
      if (pending.indexOf(form) === -1) {
        pending.push(form);
      }
      load();
    });
  });
})();
