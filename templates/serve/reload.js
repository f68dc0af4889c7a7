// Reloads the page once the preview server has finished a newer build.
(function () {
  "use strict";
  var built = document.currentScript.getAttribute("data-build");
  function poll() {
    fetch("/_notepress/status.json", { cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        if (String(status.build) !== built) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
