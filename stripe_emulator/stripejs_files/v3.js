/* A test double of Stripe.js v3, served by the project's Stripe emulator at /v3/.
 *
 * The subset a card (and US bank account) payment page uses: Stripe(publishableKey),
 * elements().create("card"), element.mount/on/focus/clear/destroy, confirmCardPayment,
 * retrievePaymentIntent, collectBankAccountForPayment and confirmUsBankAccountPayment.
 * Card and bank details are typed into iframes served from the emulator (as Stripe.js does
 * from js.stripe.com), which create the PaymentMethod themselves; this script only sees its
 * id. Requests go to the emulator this script was loaded from, with the publishable key and
 * the PaymentIntent's client_secret, form-encoded (no CORS preflight), as Stripe.js does.
 * Results have Stripe.js's shapes: {paymentIntent} or {error}.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var ORIGIN = new URL(script.src).origin;
  var frames = 0;

  function IntegrationError(message) {
    var error = new Error(message);
    error.name = "IntegrationError";
    return error;
  }

  function encode(params, prefix, out) {
    Object.keys(params).forEach(function (name) {
      var value = params[name];
      var key = prefix ? prefix + "[" + name + "]" : name;
      if (value === undefined || value === null) {
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

  function request(key, method, path, params) {
    var body = encode(Object.assign({ key: key }, params || {}), "", []).join("&");
    var url = ORIGIN + path;
    var init = { method: method, headers: { "Content-Type": "application/x-www-form-urlencoded" } };
    if (method === "GET") {
      url += "?" + body;
    } else {
      init.body = body;
    }
    return fetch(url, init).then(function (response) {
      return response.json().then(function (json) {
        return response.ok ? { ok: json } : { error: json.error || { message: "Request failed." } };
      });
    }, function () {
      return { error: { type: "api_connection_error", message: "We could not reach the payment service." } };
    });
  }

  function intentId(clientSecret) {
    if (typeof clientSecret !== "string" || clientSecret.indexOf("_secret_") < 0) {
      throw IntegrationError("Invalid value for clientSecret: expected a PaymentIntent client secret.");
    }
    return clientSecret.split("_secret_")[0];
  }

  /* One iframe of the emulator's origin, talking to this page through postMessage. */
  function Frame(kind, key, extra) {
    var self = this;
    frames += 1;
    this.id = "frame-" + frames;
    this.waiting = {};
    this.handlers = {};
    this.calls = 0;
    var config = Object.assign({ id: this.id, key: key, origin: window.location.origin }, extra || {});
    this.iframe = document.createElement("iframe");
    this.iframe.name = "__privateStripeFrame" + (1000 + frames);
    this.iframe.title = kind === "card" ? "Secure card payment input frame" : "Secure bank account linking frame";
    this.iframe.setAttribute("frameborder", "0");
    this.iframe.setAttribute("allowtransparency", "true");
    this.iframe.setAttribute("scrolling", "no");
    this.iframe.src = ORIGIN + "/v3/elements/" + kind + ".html#" + encodeURIComponent(JSON.stringify(config));
    this.listener = function (event) {
      var data = event.data || {};
      if (event.origin !== ORIGIN || event.source !== self.iframe.contentWindow || data.frame !== self.id) {
        return;
      }
      if (data.type === "result" && self.waiting[data.call]) {
        self.waiting[data.call](data);
        delete self.waiting[data.call];
      } else {
        (self.handlers[data.type] || []).forEach(function (handler) { handler(data.event || {}); });
      }
    };
    window.addEventListener("message", this.listener);
  }

  Frame.prototype.on = function (type, handler) {
    (this.handlers[type] = this.handlers[type] || []).push(handler);
  };

  Frame.prototype.send = function (type, payload) {
    this.iframe.contentWindow.postMessage(Object.assign({ frame: this.id, type: type }, payload || {}), ORIGIN);
  };

  Frame.prototype.call = function (type, payload) {
    var self = this;
    this.calls += 1;
    var call = this.calls;
    return new Promise(function (resolve) {
      self.waiting[call] = resolve;
      self.send(type, Object.assign({ call: call }, payload || {}));
    });
  };

  Frame.prototype.remove = function () {
    window.removeEventListener("message", this.listener);
    if (this.iframe.parentNode) {
      this.iframe.parentNode.removeChild(this.iframe);
    }
  };

  /* The card Element. */
  function CardElement(stripe, options) {
    var self = this;
    this.stripe = stripe;
    this.options = options || {};
    this.container = null;
    this.frame = null;
    this.handlers = {};
    this.state = { complete: false, empty: true };
  }

  CardElement.prototype.mount = function (target) {
    var self = this;
    var container = typeof target === "string" ? document.querySelector(target) : target;
    if (!container) {
      throw IntegrationError("The selector you specified (" + target + ") applies to no DOM elements.");
    }
    this.frame = new Frame("card", this.stripe.key, { hidePostalCode: this.options.hidePostalCode !== false });
    var iframe = this.frame.iframe;
    iframe.style.border = "none";
    iframe.style.width = "100%";
    iframe.style.height = "24px";
    iframe.style.display = "block";
    container.classList.add("StripeElement", "StripeElement--empty");
    container.appendChild(iframe);
    this.container = container;
    ["change", "ready", "focus", "blur"].forEach(function (type) {
      self.frame.on(type, function (event) { self.emit(type, event); });
    });
    this.frame.on("resize", function (event) { iframe.style.height = event.height + "px"; });
    return this;
  };

  CardElement.prototype.emit = function (type, event) {
    var classes = this.container.classList;
    if (type === "change") {
      this.state = event;
      classes.toggle("StripeElement--empty", !!event.empty);
      classes.toggle("StripeElement--complete", !!event.complete);
      classes.toggle("StripeElement--invalid", !!event.error);
    } else if (type === "focus" || type === "blur") {
      classes.toggle("StripeElement--focus", type === "focus");
    }
    (this.handlers[type] || []).forEach(function (handler) {
      handler(Object.assign({ elementType: "card" }, event));
    });
  };

  CardElement.prototype.on = function (type, handler) {
    (this.handlers[type] = this.handlers[type] || []).push(handler);
    return this;
  };

  CardElement.prototype.focus = function () { this.frame.send("focus"); };
  CardElement.prototype.blur = function () { this.frame.send("blur"); };
  CardElement.prototype.clear = function () { this.frame.send("clear"); };
  CardElement.prototype.update = function (options) { Object.assign(this.options, options || {}); };

  CardElement.prototype.unmount = function () {
    if (this.frame) {
      this.frame.remove();
      this.frame = null;
    }
  };
  CardElement.prototype.destroy = CardElement.prototype.unmount;

  CardElement.prototype.createPaymentMethod = function (billingDetails) {
    if (!this.frame) {
      return Promise.resolve({ error: { type: "validation_error", message: "The card Element is not mounted." } });
    }
    return this.frame.call("createPaymentMethod", { billing_details: billingDetails || {} });
  };

  function Elements(stripe) {
    this.stripe = stripe;
    this.created = {};
  }

  Elements.prototype.create = function (type, options) {
    if (type !== "card") {
      throw IntegrationError("This Stripe.js test double only makes the 'card' Element, not '" + type + "'.");
    }
    if (this.created[type]) {
      throw IntegrationError("Can only create one Element of type " + type + ".");
    }
    this.created[type] = new CardElement(this.stripe, options);
    return this.created[type];
  };

  Elements.prototype.getElement = function (type) {
    return this.created[type] || null;
  };

  function StripeDouble(key) {
    if (typeof key !== "string" || key.indexOf("pk_") !== 0) {
      throw IntegrationError("Invalid API Key provided: Stripe() needs a publishable key (pk_...).");
    }
    if (!(this instanceof StripeDouble)) {
      return new StripeDouble(key);
    }
    this.key = key;
  }

  StripeDouble.prototype.elements = function () {
    return new Elements(this);
  };

  StripeDouble.prototype.paymentMethodFor = function (data) {
    var method = (data || {}).payment_method;
    if (typeof method === "string") {
      return Promise.resolve({ paymentMethod: { id: method } });
    }
    if (!method || !(method.card instanceof CardElement)) {
      throw IntegrationError("confirmCardPayment: pass payment_method: {card: cardElement} or a PaymentMethod id.");
    }
    return method.card.createPaymentMethod(method.billing_details);
  };

  StripeDouble.prototype.confirm = function (clientSecret, params) {
    var path = "/v1/payment_intents/" + intentId(clientSecret) + "/confirm";
    return request(this.key, "POST", path, Object.assign({ client_secret: clientSecret }, params))
      .then(function (answer) {
        return answer.ok ? { paymentIntent: answer.ok } : { error: answer.error };
      });
  };

  StripeDouble.prototype.confirmCardPayment = function (clientSecret, data) {
    var self = this;
    intentId(clientSecret);
    return this.paymentMethodFor(data).then(function (made) {
      if (made.error) {
        return { error: made.error };
      }
      return self.confirm(clientSecret, { payment_method: made.paymentMethod.id });
    });
  };

  StripeDouble.prototype.retrievePaymentIntent = function (clientSecret) {
    var path = "/v1/payment_intents/" + intentId(clientSecret);
    return request(this.key, "GET", path, { client_secret: clientSecret }).then(function (answer) {
      return answer.ok ? { paymentIntent: answer.ok } : { error: answer.error };
    });
  };

  /* The bank account dialog (Stripe's is Financial Connections; this one takes test numbers). */
  StripeDouble.prototype.collectBankAccountForPayment = function (options) {
    var self = this;
    var clientSecret = (options || {}).clientSecret;
    var path = "/v1/payment_intents/" + intentId(clientSecret);
    var params = (options || {}).params || {};
    if (params.payment_method_type !== "us_bank_account") {
      throw IntegrationError("collectBankAccountForPayment: params.payment_method_type must be 'us_bank_account'.");
    }
    var billing = (params.payment_method_data || {}).billing_details || {};
    if (!billing.name) {
      throw IntegrationError("collectBankAccountForPayment: params.payment_method_data.billing_details.name is required.");
    }
    var frame = new Frame("bank", this.key, { billing_details: billing });
    var iframe = frame.iframe;
    ["position:fixed", "top:0", "left:0", "width:100%", "height:100%", "border:none", "z-index:2147483647"]
      .forEach(function (rule) {
        var parts = rule.split(":");
        iframe.style.setProperty(parts[0], parts[1]);
      });
    document.body.appendChild(iframe);
    return new Promise(function (resolve) {
      frame.waiting[0] = resolve;
    }).then(function (outcome) {
      frame.remove();
      if (outcome.error) {
        return { error: outcome.error };
      }
      if (!outcome.paymentMethod) {  // closed: the intent still needs a payment method
        return self.retrievePaymentIntent(clientSecret);
      }
      return request(self.key, "POST", path, { client_secret: clientSecret, payment_method: outcome.paymentMethod.id })
        .then(function (answer) {
          return answer.ok ? { paymentIntent: answer.ok } : { error: answer.error };
        });
    });
  };

  StripeDouble.prototype.confirmUsBankAccountPayment = function (clientSecret) {
    return this.confirm(clientSecret, {
      mandate_data: { customer_acceptance: { type: "online", online: { infer_from_client: true } } },
    });
  };

  StripeDouble.version = 3;
  window.Stripe = StripeDouble;
}());
