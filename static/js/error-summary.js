// After a failed form: move the focus to the error summary, so screen readers announce it
// and the keyboard starts from its links to the fields (GOV.UK's error summary pattern).
const summary = document.querySelector("[data-error-summary]");
if (summary) {
  summary.focus();
}
