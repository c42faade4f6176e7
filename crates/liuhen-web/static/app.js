// 留痕 Liuhen — small conveniences only; every page works without this file.
"use strict";
document.addEventListener("submit", function (event) {
  // <form data-confirm="…">: ask once before an action that cannot be undone.
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
document.addEventListener("change", function (event) {
  // <select data-autosubmit>: filters apply when chosen.
  var element = event.target;
  if (element.hasAttribute && element.hasAttribute("data-autosubmit") && element.form) {
    element.form.submit();
  }
});
