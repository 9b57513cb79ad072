/* The cycle's money page while a payout or reconciliation job is queued or running: ask for its
 * state every two seconds and reload the page once it is done (the page then shows its result). */
(function () {
  "use strict";

  var box = document.querySelector("[data-job-url]");
  if (!box) {
    return;
  }
  var url = box.dataset.jobUrl;
  var tries = 0;

  function poll() {
    tries += 1;
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (job && !job.active) {
          window.location.reload();
        } else if (tries < 900) {
          window.setTimeout(poll, 2000);
        }
      }, function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
}());
