/* The pay page: a card (or a bank account) typed into Stripe.js's fields pays the share.
 *
 * 1. POST the intent URL (our server): the share's PaymentIntent, made at the amount the server
 *    computes, and its client secret (the same intent on every try and every click).
 * 2. Stripe.js confirms it with the card typed in its frame (or the bank account linked in its
 *    dialog): card details go to Stripe only.
 * 3. The form posts the intent's id back; the server asks Stripe how it stands and records it
 *    (the webhook does too), then shows the outcome. A decline comes back to this page with the
 *    bank's reason and the fields ready for another card.
 */
(function () {
  "use strict";

  var form = document.getElementById("card-payment");
  if (!form) {
    return;
  }
  var message = form.querySelector("[data-pay-message]");
  var status = form.querySelector("[data-pay-status]");
  var buttons = form.querySelectorAll("[data-pay]");
  var busy = false;

  function say(text) {
    message.textContent = text || "";
  }

  function working(on, text) {
    busy = on;
    status.textContent = on ? text : "";
    Array.prototype.forEach.call(buttons, function (button) { button.disabled = on; });
  }

  if (typeof window.Stripe !== "function") {
    say("The card form could not be loaded (the payment service's script did not arrive). " +
        "Reload the page in a moment; nothing was charged.");
    Array.prototype.forEach.call(buttons, function (button) { button.disabled = true; });
    return;
  }

  var stripe = window.Stripe(form.dataset.publishableKey);
  var card = stripe.elements().create("card", { hidePostalCode: true });
  card.mount("#card-element");
  card.on("change", function (event) {
    say(event.error ? event.error.message : "");
  });

  Array.prototype.forEach.call(form.querySelectorAll("input[name=pay_with]"), function (radio) {
    radio.addEventListener("change", function () {
      Array.prototype.forEach.call(form.querySelectorAll("[data-pay-method]"), function (part) {
        part.hidden = part.dataset.payMethod !== radio.value;
      });
      say("");
    });
  });

  function startIntent() {
    var token = document.querySelector("meta[name=csrf-token]").content;
    return fetch(form.dataset.intentUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          throw new Error(body.message || "The payment could not start: reload the page and try again.");
        }
        return body;
      });
    });
  }

  function finish(intentId) {
    status.textContent = "Recording the payment…";
    form.elements.payment_intent.value = intentId;
    form.submit();
  }

  function outcome(intent, result) {
    if (result.error && !result.error.payment_intent) {
      // Not sent to the bank (an incomplete card, the dialog refused a number): stay here.
      say(result.error.message);
      working(false);
      return;
    }
    if (result.paymentIntent && result.paymentIntent.status === "requires_payment_method") {
      working(false);  // the bank dialog was closed: nothing happened
      return;
    }
    finish(intent.payment_intent);  // paid, processing or declined: the server records it
  }

  function pay(collect) {
    if (busy) {
      return;
    }
    say("");
    working(true, "Paying…");
    startIntent().then(function (intent) {
      return collect(intent).then(function (result) { outcome(intent, result); });
    }).catch(function (error) {
      say(error.message);
      working(false);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    pay(function (intent) {
      return stripe.confirmCardPayment(intent.client_secret, {
        payment_method: { card: card, billing_details: { name: form.elements.cardholder.value.trim() || undefined } },
      });
    });
  });

  form.querySelector("[data-pay=bank]").addEventListener("click", function () {
    pay(function (intent) {
      return stripe.collectBankAccountForPayment({
        clientSecret: intent.client_secret,
        params: {
          payment_method_type: "us_bank_account",
          payment_method_data: { billing_details: { name: form.elements.cardholder.value.trim() || "Account holder" } },
        },
      }).then(function (collected) {
        if (collected.error || collected.paymentIntent.status !== "requires_confirmation") {
          return collected;
        }
        return stripe.confirmUsBankAccountPayment(intent.client_secret);
      });
    });
  });
}());
