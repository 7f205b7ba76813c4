// The Switchboard console's only script: progressive enhancement. Every page works without it.
// - an element with an id and data-refresh="N" is refetched every N seconds from the URL in its
//   data-refresh-from (an HTML fragment holding the element), else from the page's own URL,
//   while the tab is visible and nothing inside it has the focus, and its content replaced, so a
//   delivery turns green and a bulk replay counts up without a reload; once the fresh element
//   no longer has data-refresh (a finished replay) the polling stops;
// - forms with data-confirm ask before they are sent (rotate a secret, bulk replay);
// - buttons with data-copy copy the text of the element with that id (a new secret).
"use strict";

function keepFresh(element) {
  var seconds = parseInt(element.getAttribute("data-refresh"), 10);
  if (!(seconds > 0)) {
    return;
  }
  var source = element.getAttribute("data-refresh-from") || window.location.href;
  var timer = window.setInterval(function () {
    var focused = document.activeElement;
    if (document.hidden || (focused && focused !== document.body && element.contains(focused))) {
      return;
    }
    window.fetch(source, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(element.id);
        if (fresh) {
          element.replaceChildren.apply(element, Array.from(fresh.childNodes));
          if (!fresh.hasAttribute("data-refresh")) {
            window.clearInterval(timer);
            element.removeAttribute("data-refresh");
          }
        }
      })
      .catch(function () { /* the next round tries again */ });
  }, seconds * 1000);
}

document.querySelectorAll("[data-refresh][id]").forEach(keepFresh);

document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("button[data-copy]");
  if (!button || !navigator.clipboard) {
    return;
  }
  var source = document.getElementById(button.getAttribute("data-copy"));
  if (source) {
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.textContent = "Copied";
    });
  }
});
