/* The request form (/sme/requests/new/): the amount and each tranche in 万元 as typed, the tranches' sum
   against the amount, and an "add a tranche" button. An enhancement only: the form posts without it and
   the server checks the sum. */
(function () {
  "use strict";
  var form = document.getElementById("request-form");
  if (!form) {
    return;
  }
  var pattern = form.getAttribute("data-wan-pattern") || "%(amount)s";
  var locale = document.documentElement.lang || undefined;

  function cents(value) {
    var number = Number(value);
    if (value === "" || value === null || !isFinite(number)) {
      return null;
    }
    return Math.round(number * 100);
  }

  function wan(centsValue) {
    if (centsValue === null) {
      return "—";
    }
    var figure = (centsValue / 1000000).toLocaleString(locale, {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2
    });
    return pattern.replace("%(amount)s", figure);
  }

  var amount = form.querySelector("[data-wan]");
  var amountOut = document.getElementById("amount-wan");
  var sumOut = document.getElementById("tranche-sum");
  var rows = document.getElementById("tranche-rows");

  function refresh() {
    var total = cents(amount ? amount.value : "");
    if (amountOut) {
      amountOut.textContent = wan(total);
    }
    var sum = 0;
    var any = false;
    rows.querySelectorAll("[data-tranche-row]").forEach(function (row) {
      var input = row.querySelector("[data-tranche-amount]");
      var value = cents(input ? input.value : "");
      var out = row.querySelector("[data-tranche-wan]");
      if (out) {
        out.textContent = wan(value);
      }
      if (value !== null) {
        sum += value;
        any = true;
      }
    });
    if (!sumOut) {
      return;
    }
    if (!any) {
      sumOut.textContent = "";
      sumOut.className = "small";
      return;
    }
    var ok = total !== null && sum === total;
    var text = form.getAttribute(ok ? "data-sum-ok" : "data-sum-off") || "";
    sumOut.textContent = text.replace("%(sum)s", wan(sum)).replace("%(amount)s", wan(total));
    sumOut.className = "small fw-semibold " + (ok ? "text-success" : "text-danger");
  }

  var totalForms = form.querySelector("input[name$='-TOTAL_FORMS']");
  var maxForms = form.querySelector("input[name$='-MAX_NUM_FORMS']");
  var template = document.getElementById("tranche-template");
  var add = document.getElementById("add-tranche");

  function updateAdd() {
    if (add && totalForms && maxForms) {
      add.disabled = Number(totalForms.value) >= Number(maxForms.value);
    }
  }

  if (add && template && totalForms) {
    add.hidden = false;
    add.addEventListener("click", function () {
      var index = Number(totalForms.value);
      var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
      rows.insertAdjacentHTML("beforeend", html);
      totalForms.value = String(index + 1);
      updateAdd();
      var added = rows.lastElementChild && rows.lastElementChild.querySelector("select");
      if (added) {
        added.focus();
      }
    });
    updateAdd();
  }

  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  refresh();
})();
