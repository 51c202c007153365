// bandwise's own script (an ES module; the pages work without it).
// htmx sends the session's CSRF token with every request it makes: the token is in the
// page's <meta name="csrf-token">.
const meta = document.querySelector('meta[name="csrf-token"]');
document.body.addEventListener("htmx:configRequest", (event) => {
  if (meta && meta.content) {
    event.detail.headers["X-CSRF-Token"] = meta.content;
  }
});
// The matching workspace's keyboard, side panel and autosave (only acts on that page).
import "./workspace.js";
