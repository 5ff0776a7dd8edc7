// After signing, the page's address carries ?signed=1 for the thank-you. Take it out of the
// address bar, so a link copied from there does not tell others that its sharer signed.
const address = new URL(window.location.href);
if (address.searchParams.has("signed")) {
  address.searchParams.delete("signed");
  window.history.replaceState(window.history.state, "", address);
}
