// "Listen" button on easy-Finnish pages: reads the page text aloud with the browser's own
// speech synthesis. Progressive enhancement: the button stays hidden when unsupported.
(function () {
  "use strict";
  if (!("speechSynthesis" in window) || typeof SpeechSynthesisUtterance === "undefined") {
    return;
  }
  document.querySelectorAll("[data-listen-target]").forEach(function (button) {
    var target = document.querySelector(button.getAttribute("data-listen-target"));
    if (!target) {
      return;
    }
    var startLabel = button.textContent;
    var stopLabel = button.getAttribute("data-label-stop") || startLabel;
    button.closest(".listen").hidden = false;
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      if (window.speechSynthesis.speaking) {
        window.speechSynthesis.cancel();
        return;
      }
      var utterance = new SpeechSynthesisUtterance(target.innerText);
      utterance.lang = "fi-FI";
      utterance.rate = 0.9;
      utterance.onend = utterance.onerror = function () {
        button.textContent = startLabel;
        button.setAttribute("aria-pressed", "false");
      };
      button.textContent = stopLabel;
      button.setAttribute("aria-pressed", "true");
      window.speechSynthesis.speak(utterance);
    });
  });
})();
