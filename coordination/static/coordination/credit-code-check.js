// The credit code checked as it is typed (DESIGN.md §9): asks the server, which applies the same
// GB 32100 check as the submit, and shows its answer under the field. Without JavaScript the submit
// check alone applies.
(function () {
  "use strict";
  var input = document.querySelector("[data-credit-code-check]");
  if (!input) { return; }
  var target = document.getElementById(input.getAttribute("data-feedback"));
  var url = input.getAttribute("data-credit-code-check");
  var timer = null;
  var last = null;
  function check() {
    var value = input.value.trim();
    if (value === last) { return; }
    last = value;
    if (!value) { target.innerHTML = ""; return; }
    fetch(url + "?credit_code=" + encodeURIComponent(value), {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) {
      if (input.value.trim() === value) { target.innerHTML = html; }
    }).catch(function () { /* offline: the submit checks again */ });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
  input.addEventListener("blur", check);
})();
