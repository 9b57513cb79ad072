/* Inside the Stripe.js test double's iframes (the emulator's origin): the card fields and the
 * bank account dialog. The frame checks what is typed as Stripe's Elements do, and makes the
 * PaymentMethod itself (POST /v1/payment_methods with the publishable key), answering the
 * page with its id only. Messages are accepted from the parent page's origin alone. */
(function () {
  "use strict";

  var config = JSON.parse(decodeURIComponent(window.location.hash.slice(1)));
  var parentOrigin = config.origin;

  function post(type, payload) {
    window.parent.postMessage(Object.assign({ frame: config.id, type: type }, payload || {}), parentOrigin);
  }

  function encode(params, prefix, out) {
    Object.keys(params).forEach(function (name) {
      var value = params[name];
      var key = prefix ? prefix + "[" + name + "]" : name;
      if (value === undefined || value === null || value === "") {
        return;
      }
      if (typeof value === "object") {
        encode(value, key, out);
      } else {
        out.push(encodeURIComponent(key) + "=" + encodeURIComponent(String(value)));
      }
    });
    return out;
  }

  function createPaymentMethod(params) {
    var body = encode(Object.assign({ key: config.key }, params), "", []).join("&");
    return fetch("/v1/payment_methods", {
      method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: body,
    }).then(function (response) {
      return response.json().then(function (json) {
        return response.ok ? { paymentMethod: json } : { error: json.error };
      });
    }, function () {
      return { error: { type: "api_connection_error", message: "We could not reach the payment service." } };
    });
  }

  function luhn(digits) {
    var total = 0;
    for (var i = 0; i < digits.length; i += 1) {
      var digit = Number(digits[digits.length - 1 - i]);
      if (i % 2) {
        digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
      }
      total += digit;
    }
    return total % 10 === 0;
  }

  function card() {
    var number = document.querySelector("input[name=cardnumber]");
    var exp = document.querySelector("input[name=exp-date]");
    var cvc = document.querySelector("input[name=cvc]");
    var postal = document.querySelector("input[name=postal]");
    if (config.hidePostalCode) {
      document.body.classList.add("hide-postal");
    }

    function digits(input) { return input.value.replace(/\D/g, ""); }

    function expiry() {
      var parts = exp.value.replace(/\s/g, "").split("/");
      var month = Number(parts[0]);
      var year = Number(parts[1]);
      return { month: month, year: year < 100 ? 2000 + year : year, typed: parts.length === 2 && parts[1].length >= 2 };
    }

    function problem() {
      var n = digits(number);
      if (!n) {
        return { code: "incomplete_number", message: "Your card number is incomplete." };
      }
      var amex = /^3[47]/.test(n);
      if (n.length < (amex ? 15 : 16)) {
        return { code: "incomplete_number", message: "Your card number is incomplete." };
      }
      if (!luhn(n)) {
        return { code: "invalid_number", message: "Your card number is invalid." };
      }
      var e = expiry();
      if (!e.typed) {
        return { code: "incomplete_expiry", message: "Your card's expiration date is incomplete." };
      }
      var now = new Date();
      if (e.month < 1 || e.month > 12) {
        return { code: "invalid_expiry_month", message: "Your card's expiration date is invalid." };
      }
      if (e.year < now.getFullYear() || (e.year === now.getFullYear() && e.month < now.getMonth() + 1)) {
        return { code: "invalid_expiry_year_past", message: "Your card's expiration year is in the past." };
      }
      if (digits(cvc).length < (amex ? 4 : 3)) {
        return { code: "incomplete_cvc", message: "Your card's security code is incomplete." };
      }
      return null;
    }

    function brand() {
      var n = digits(number);
      return /^4/.test(n) ? "visa" : /^5[1-5]/.test(n) ? "mastercard" : /^3[47]/.test(n) ? "amex" : "unknown";
    }

    function changed() {
      var error = problem();
      var empty = !digits(number) && !exp.value && !cvc.value;
      number.classList.toggle("invalid", !!error && error.code === "invalid_number");
      post("change", { event: { empty: empty, complete: !error, brand: brand(),
                                error: error && error.code.indexOf("incomplete") !== 0 ? error : undefined } });
    }

    number.addEventListener("input", function () {
      var n = digits(number).slice(0, 19);
      number.value = n.replace(/(\d{4})(?=\d)/g, "$1 ");
      changed();
    });
    exp.addEventListener("input", function () {
      var d = digits(exp).slice(0, 4);
      exp.value = d.length > 2 ? d.slice(0, 2) + " / " + d.slice(2) : d;
      changed();
    });
    cvc.addEventListener("input", function () {
      cvc.value = digits(cvc).slice(0, 4);
      changed();
    });
    [number, exp, cvc, postal].forEach(function (input) {
      input.addEventListener("focus", function () { post("focus"); });
      input.addEventListener("blur", function () { post("blur"); });
    });

    window.addEventListener("message", function (event) {
      var data = event.data || {};
      if (event.origin !== parentOrigin || event.source !== window.parent || data.frame !== config.id) {
        return;
      }
      if (data.type === "focus") {
        number.focus();
      } else if (data.type === "blur") {
        document.activeElement.blur();
      } else if (data.type === "clear") {
        number.value = exp.value = cvc.value = postal.value = "";
        changed();
      } else if (data.type === "createPaymentMethod") {
        var error = problem();
        if (error) {
          post("result", { call: data.call, error: Object.assign({ type: "validation_error" }, error) });
          return;
        }
        var e = expiry();
        var billing = Object.assign({}, data.billing_details || {});
        if (postal.value) {
          billing.address = Object.assign({}, billing.address || {}, { postal_code: postal.value });
        }
        createPaymentMethod({
          type: "card", billing_details: billing,
          card: { number: digits(number), exp_month: e.month, exp_year: e.year, cvc: digits(cvc) },
        }).then(function (outcome) {
          post("result", Object.assign({ call: data.call }, outcome.error ? { error: outcome.error }
            : { paymentMethod: { id: outcome.paymentMethod.id, type: "card", card: outcome.paymentMethod.card } }));
        });
      }
    });
    post("resize", { event: { height: Math.max(24, document.body.scrollHeight) } });
    post("ready");
  }

  function bank() {
    var form = document.querySelector("form");
    var message = form.querySelector(".error");
    var billing = config.billing_details || {};
    form.elements.name.value = billing.name || "";
    form.elements.account.focus();
    form.querySelector(".cancel").addEventListener("click", function () {
      post("result", { call: 0 });
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var routing = form.elements.routing.value.replace(/\D/g, "");
      var account = form.elements.account.value.replace(/\D/g, "");
      if (!form.elements.name.value.trim()) {
        message.textContent = "Enter the account holder's name.";
        return;
      }
      if (routing.length !== 9) {
        message.textContent = "Enter the 9-digit routing number.";
        return;
      }
      if (account.length < 4) {
        message.textContent = "Enter the account number.";
        return;
      }
      message.textContent = "";
      createPaymentMethod({
        type: "us_bank_account",
        billing_details: Object.assign({}, billing, { name: form.elements.name.value.trim() }),
        us_bank_account: { routing_number: routing, account_number: account, account_holder_type: "individual",
                           account_type: form.elements.account_type.value },
      }).then(function (outcome) {
        if (outcome.error) {
          message.textContent = outcome.error.message;
          return;
        }
        post("result", { call: 0, paymentMethod: { id: outcome.paymentMethod.id, type: "us_bank_account" } });
      });
    });
  }

  if (document.body.classList.contains("bank")) {
    bank();
  } else {
    card();
  }
}());
