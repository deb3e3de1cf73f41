/* Edit pages: ask before leaving with unsaved changes.
 *
 * Progressive enhancement only: the form works the same without it. Loaded with
 * <script src defer>; no inline handlers (the CSP forbids them).
 */
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-warn-unsaved]");
  Array.prototype.forEach.call(forms, function (form) {
    var fields = form.querySelectorAll("textarea, input[type=text]");
    var initial = Array.prototype.map.call(fields, function (f) { return f.value; });
    var submitting = false;

    function changed() {
      return Array.prototype.some.call(fields, function (f, i) { return f.value !== initial[i]; });
    }

    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (!submitting && changed()) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  });
})();
