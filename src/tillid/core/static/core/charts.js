/* Tillid's charts: Vega-Lite specs drawn by vega-embed as SVG, with Danish
   number and date formats on Danish pages (decimal comma, "3. marts 2026").
   Usage: tillidChart("#element-id", spec). */
(function () {
  "use strict";
  var DANISH_NUMBERS = {decimal: ",", thousands: ".", grouping: [3], currency: ["", " kr."]};
  var DANISH_DATES = {
    dateTime: "%A den %d. %B %Y %H.%M.%S",
    date: "%d.%m.%Y",
    time: "%H.%M.%S",
    periods: ["", ""],
    days: ["søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"],
    shortDays: ["søn", "man", "tir", "ons", "tor", "fre", "lør"],
    months: ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
             "september", "oktober", "november", "december"],
    shortMonths: ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt",
                  "nov", "dec"]
  };

  window.tillidChart = function (target, spec) {
    if (!window.vegaEmbed) { return null; }
    var options = {actions: false, renderer: "svg"};
    if ((document.documentElement.lang || "").slice(0, 2) === "da") {
      options.formatLocale = DANISH_NUMBERS;
      options.timeFormatLocale = DANISH_DATES;
    }
    return window.vegaEmbed(target, spec, options);
  };
})();
