// souk: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Image gallery: thumbnails swap the main image; click the main image to zoom.
  document.querySelectorAll("[data-gallery]").forEach(function (gallery) {
    var main = gallery.querySelector("[data-gallery-main]");
    if (!main) return;
    gallery.querySelectorAll("[data-gallery-thumb]").forEach(function (thumb) {
      thumb.addEventListener("click", function () {
        main.src = thumb.getAttribute("data-src");
        main.alt = thumb.getAttribute("data-alt") || main.alt;
        gallery.querySelectorAll("[data-gallery-thumb]").forEach(function (other) {
          other.setAttribute("aria-current", String(other === thumb));
        });
      });
    });
    main.addEventListener("click", function () {
      main.parentElement.classList.toggle("zoomed");
    });
  });

  // Parts sold per view (sponsored products) load after the page, never from its cache.
  document.querySelectorAll("[data-fragment]").forEach(function (slot) {
    fetch(slot.getAttribute("data-fragment"), { credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.text() : ""; })
      .then(function (html) { slot.innerHTML = html; })
      .catch(function () { /* the page is complete without it */ });
  });

  // Marketplace switcher: submit as soon as a marketplace is chosen.
  document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
    var button = select.form && select.form.querySelector("[data-autosubmit-button]");
    if (button) button.classList.add("visually-hidden");
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Checkout: show the order total for the chosen delivery speed.
  document.querySelectorAll("[data-speed-total]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      var total = document.querySelector("[data-order-total]");
      var shipping = document.querySelector("[data-order-shipping]");
      if (total) total.textContent = radio.getAttribute("data-speed-total");
      if (shipping) shipping.textContent = radio.getAttribute("data-speed-shipping");
    });
  });

  // Checkout: "Arrives by" dates depend on the delivery address; show the chosen one's.
  document.querySelectorAll("input[data-address-reload]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      window.location.search = "?address=" + encodeURIComponent(radio.value);
    });
  });

  // Forms that place orders or change money: one submit only, even on double click.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        b.setAttribute("aria-disabled", "true");
        if (b.dataset.busy) b.textContent = b.dataset.busy;
      });
    });
  });
})();
