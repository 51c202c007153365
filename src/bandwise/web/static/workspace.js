// The matching workspace (cases/form.html): quicker with a script, whole without one.
// Focus follows the factor you are on (its row is marked, its wording shows in the side
// panel on a wide screen, the form's `place` remembers it for saving); keyboard
// shortcuts; "start from the profile" and the wording's level buttons without a round
// trip; the draft autosaves (debounced, with the case version; a conflict shows both
// values and keeps what you typed); a warning before leaving with unsaved changes.

const form = document.getElementById("workspace-form");
const csrf = document.querySelector('meta[name="csrf-token"]');
const WIDE = window.matchMedia("(min-width: 80em)");
const AUTOSAVE_MS = 1200;

function rowOf(element) {
  return element && element.closest ? element.closest(".bw-row[data-factor]") : null;
}
function levelInput(n) {
  return document.getElementById(`levels_${n}`);
}
function say(text, bad = false) {
  const status = document.getElementById("autosave-status");
  if (status) {
    status.textContent = text;
    status.classList.toggle("bw-bad", bad);
  }
}

let current = 0;

function showWording(n) {
  const panel = document.getElementById("wording-panel");
  const source = document.querySelector(`#wording-${n} .bw-wording-body`);
  if (!panel || !source) return;
  const name = document.getElementById(`factor-${n}-heading`);
  document.getElementById("wording-panel-heading").textContent =
    `Wording: ${name ? name.textContent.trim() : "factor " + n}`;
  const body = document.getElementById("wording-panel-body");
  body.replaceChildren(...Array.from(source.childNodes, (node) => node.cloneNode(true)));
  body.dataset.factor = String(n);
  panel.hidden = false;
}

function setCurrent(n) {
  if (!n || n === current) return;
  const before = document.getElementById(`factor-${current}`);
  if (before) before.classList.remove("bw-row--current");
  current = n;
  document.getElementById(`factor-${n}`).classList.add("bw-row--current");
  document.getElementById("place").value = String(n);
  document.querySelectorAll(".bw-rail-item").forEach((a) => {
    a.classList.toggle("bw-current", a.dataset.goto === String(n));
  });
  if (WIDE.matches) showWording(n);
}

function goTo(n, select = true) {
  const input = levelInput(n);
  if (!input) return;
  input.focus({ preventScroll: true });
  input.scrollIntoView({ block: "center" });
  if (select) input.select();
  setCurrent(n);
}

// ---------------------------------------------------------------- setting levels

let typedTimer = 0;
function levelChanged(input) {
  input.dispatchEvent(new Event("change", { bubbles: true }));
}

function setLevel(n, value) {
  const input = levelInput(n);
  if (!input || input.dataset.readonly) return false;
  input.value = value;
  levelChanged(input);
  return true;
}

function fillFromProfile() {
  const filled = [];
  const open = [];
  document.querySelectorAll(".bw-row[data-factor]").forEach((row) => {
    const n = Number(row.dataset.factor);
    const input = levelInput(n);
    if (input.value.trim()) return;
    if (row.dataset.fill) {
      input.value = row.dataset.fill;
      filled.push(n);
    } else {
      open.push(n);
    }
  });
  if (filled.length) form.dispatchEvent(new Event("change", { bubbles: true }));
  const left = open.length ? `; pick ${open.length > 1 ? "factors" : "factor"} ${open.join(", ")} (the profile gives a range)` : "";
  markDirty();
  say(`${filled.length} set to the profile's level${left}.`);
  if (open.length) goTo(open[0]);
}

// ---------------------------------------------------------------- autosave

let dirty = false;
let generation = 0;
let saving = false;
let timer = 0;
let conflict = false;
let leaving = false;
let waiting = null; // the submit button pressed while an autosave was in flight

function markDirty() {
  if (!form.dataset.autosave) return;
  dirty = true;
  generation += 1;
  if (!conflict) {
    say("Unsaved changes…");
    clearTimeout(timer);
    timer = setTimeout(autosave, AUTOSAVE_MS);
  }
}

function clock() {
  return new Date().toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

async function autosave() {
  if (!dirty || conflict) return;
  if (saving) {
    timer = setTimeout(autosave, AUTOSAVE_MS);
    return;
  }
  saving = true;
  const sent = generation;
  const data = new FormData(form);
  data.delete("action");
  let response;
  try {
    response = await fetch(form.dataset.autosave, {
      method: "POST",
      body: new URLSearchParams(data),
      headers: { "X-CSRF-Token": csrf ? csrf.content : "" },
      credentials: "same-origin",
    });
  } catch (error) {
    saving = false;
    say("Not saved: the server cannot be reached. Trying again…", true);
    timer = setTimeout(autosave, AUTOSAVE_MS * 4);
    return;
  }
  saving = false;
  if (waiting) {
    const button = waiting;
    waiting = null;
    if (response.ok) {
      try {
        const saved = await response.clone().json();
        if (saved.version) form.querySelector('input[name="version"]').value = String(saved.version);
      } catch (error) {
        /* the full save says what is wrong */
      }
    }
    form.requestSubmit(button);
    return;
  }
  let body = {};
  try {
    body = await response.json();
  } catch (error) {
    body = {};
  }
  if (response.ok && body.saved) {
    form.querySelector('input[name="version"]').value = String(body.version);
    if (generation === sent) dirty = false;
    say(`All changes saved at ${clock()}`);
    if (dirty) timer = setTimeout(autosave, AUTOSAVE_MS);
  } else if (response.status === 409 && body.conflict) {
    showConflict(body);
  } else if (body.problems) {
    say(`Not saved yet: ${body.problems.join("; ")}.`, true);
  } else {
    say(`Not saved: ${body.message || body.detail || "the server refused it"}.`, true);
  }
}

function cell(text) {
  const td = document.createElement("td");
  td.className = "nhsuk-table__cell";
  td.textContent = text;
  return td;
}

function showConflict(body) {
  conflict = true;
  say("Not saved: someone else saved this case.", true);
  const box = document.getElementById("autosave-conflict");
  box.replaceChildren();
  const heading = document.createElement("h2");
  heading.className = "nhsuk-heading-s";
  heading.textContent = "Someone else saved this case while you were working";
  const p = document.createElement("p");
  p.textContent =
    "Nothing you typed is lost and nothing has been overwritten. These factors differ " +
    "between your form and the saved case:";
  const table = document.createElement("table");
  table.className = "nhsuk-table";
  const head = document.createElement("tr");
  for (const h of ["Factor", "Yours", "Saved by the other person"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.className = "nhsuk-table__header";
    th.textContent = h;
    head.append(th);
  }
  table.append(head);
  for (const d of body.differences) {
    const tr = document.createElement("tr");
    const show = (v) => `${v.levels || "no level"}${v.evidence ? ": " + v.evidence : ""}`;
    tr.append(cell(`Factor ${d.factor}`), cell(show(d.yours)), cell(show(d.saved)));
    table.append(tr);
  }
  const mine = document.createElement("button");
  mine.type = "button";
  mine.className = "nhsuk-button bw-button-s";
  mine.textContent = "Keep mine and save over theirs";
  mine.addEventListener("click", () => resolve(body, "mine"));
  const theirs = document.createElement("button");
  theirs.type = "button";
  theirs.className = "nhsuk-button nhsuk-button--secondary bw-button-s";
  theirs.textContent = "Take the saved values";
  theirs.addEventListener("click", () => resolve(body, "theirs"));
  box.append(heading, p, table, mine, document.createTextNode(" "), theirs);
  box.hidden = false;
  box.focus();
}

function resolve(body, which) {
  const box = document.getElementById("autosave-conflict");
  form.querySelector('input[name="version"]').value = String(body.version);
  conflict = false;
  box.hidden = true;
  if (which === "theirs") {
    for (const d of body.differences) {
      levelInput(d.factor).value = d.saved.levels;
      document.getElementById(`evidence_${d.factor}`).value = d.saved.evidence;
    }
    form.dispatchEvent(new Event("change", { bubbles: true }));
    dirty = false;
    say(`Took the saved values at ${clock()}`);
  } else {
    dirty = true;
    generation += 1;
    autosave();
  }
  goTo(current || (body.differences[0] ? body.differences[0].factor : 1));
}

// ---------------------------------------------------------------- events

function onKey(event) {
  const row = rowOf(document.activeElement);
  const n = row ? Number(row.dataset.factor) : current || 0;
  const key = event.code;
  if (event.altKey && !event.ctrlKey && (key === "ArrowDown" || key === "ArrowUp")) {
    event.preventDefault();
    goTo(Math.min(16, Math.max(1, (n || 0) + (key === "ArrowDown" ? 1 : -1))));
  } else if (event.altKey && key === "KeyN") {
    event.preventDefault();
    const open = nextOpen(n);
    if (open) goTo(open);
    else say("Every factor has a level.");
  } else if (event.altKey && key === "KeyP" && n) {
    event.preventDefault();
    const fill = document.getElementById(`factor-${n}`).dataset.fill;
    if (fill && setLevel(n, fill)) {
      markDirty();
      say(`Factor ${n}: the profile's level ${fill}.`);
    } else if (!fill) {
      say(`Factor ${n}: the profile gives a range; pick a level.`);
      openWording(n);
    }
  } else if (event.altKey && key === "KeyA") {
    const button = document.getElementById("from-profile");
    if (button && !button.disabled) {
      event.preventDefault();
      fillFromProfile();
    }
  } else if (event.altKey && key === "KeyW" && n) {
    event.preventDefault();
    openWording(n);
  } else if ((event.altKey || event.ctrlKey) && key === "KeyS") {
    const save = document.getElementById("save-draft");
    if (save) {
      event.preventDefault();
      save.click();
    }
  } else if (key === "Enter" && !event.altKey && document.activeElement.matches(".bw-level")) {
    event.preventDefault();
    document.getElementById(`evidence_${n}`).focus();
  } else if (key === "Escape" && document.activeElement.closest("#wording-panel, .bw-wording")) {
    event.preventDefault();
    const details = document.getElementById(`wording-${n}`);
    if (details && !WIDE.matches) details.open = false;
    goTo(n, false);
  }
}

function nextOpen(n) {
  for (let step = 1; step <= 16; step += 1) {
    const m = ((n + step - 1) % 16) + 1;
    if (!levelInput(m).value.trim()) return m;
  }
  return 0;
}

function openWording(n) {
  setCurrent(n);
  let scope;
  if (WIDE.matches) {
    showWording(n);
    scope = document.getElementById("wording-panel-body");
  } else {
    scope = document.getElementById(`wording-${n}`);
    scope.open = true;
  }
  const first = scope.querySelector(".bw-choice--profile .bw-pick, .bw-pick");
  if (first) first.focus();
}

// ---------------------------------------------------------------- suggestions

async function decideSuggestion(button) {
  const choice = button.dataset.suggestion;
  const n = Number(choice.split(":")[1]);
  const slot = document.getElementById(`factor-${n}-suggestion`);
  if (dirty || saving) {
    clearTimeout(timer);
    while (saving) await new Promise((done) => setTimeout(done, 50));
    if (dirty) await autosave();
  }
  const data = new URLSearchParams();
  data.set("csrf_token", form.querySelector('input[name="csrf_token"]').value);
  data.set("version", form.querySelector('input[name="version"]').value);
  data.set("choice", choice);
  data.set("document_id", slot.dataset.document || "");
  slot.querySelectorAll(`input[name="sentence_${n}"]:checked`).forEach((box) => {
    data.append(`sentence_${n}`, box.value);
  });
  const response = await fetch(`/cases/${form.dataset.case}/form/suggestion`, {
    method: "POST",
    body: data,
    headers: { "X-CSRF-Token": csrf ? csrf.content : "" },
    credentials: "same-origin",
  });
  let body = {};
  try {
    body = await response.json();
  } catch (error) {
    body = {};
  }
  if (!response.ok) {
    say(`Factor ${n}: ${body.message || "the suggestion could not be recorded"}.`, true);
    return;
  }
  form.querySelector('input[name="version"]').value = String(body.version);
  const done = document.createElement("p");
  done.className = "nhsuk-body-s bw-suggest-done";
  if (body.choice === "accepted") {
    levelInput(n).value = body.levels;
    const evidence = document.getElementById(`evidence_${n}`);
    evidence.value = body.evidence;
    grow(evidence);
    levelChanged(levelInput(n));
    done.textContent = `Accepted: level ${body.levels} (recorded in the audit trail).`;
  } else {
    done.textContent = "Ignored (recorded in the audit trail).";
  }
  slot.replaceChildren(done);
  say(`Factor ${n}: suggestion ${body.choice}; saved at ${clock()}`);
  goTo(n, false);
}

function onClick(event) {
  const suggestion = event.target.closest("button[data-suggestion]");
  if (suggestion) {
    event.preventDefault();
    decideSuggestion(suggestion);
    return;
  }
  const pick = event.target.closest('button[name="pick"]');
  if (pick) {
    event.preventDefault();
    const [n, ...rest] = pick.value.split(":");
    if (setLevel(Number(n), rest.join(":"))) markDirty();
    const details = document.getElementById(`wording-${n}`);
    if (details && !WIDE.matches) details.open = false;
    goTo(Number(n), false);
    return;
  }
  const jump = event.target.closest("a[data-goto]");
  if (jump) {
    event.preventDefault();
    goTo(Number(jump.dataset.goto));
    return;
  }
  const why = event.target.closest('a[href="#explanation"]');
  if (why) {
    document.getElementById("explanation").open = true;
  }
  const fromProfile = event.target.closest("#from-profile");
  if (fromProfile) {
    event.preventDefault();
    fillFromProfile();
  }
}

function grow(area) {
  area.style.height = "auto";
  area.style.height = `${Math.max(52, area.scrollHeight + 4)}px`;
}

function start() {
  document.documentElement.classList.add("bw-js");
  form.addEventListener("focusin", (event) => {
    const row = rowOf(event.target);
    if (row) setCurrent(Number(row.dataset.factor));
    if (event.target.matches(".bw-level")) event.target.select();
  });
  form.addEventListener("input", (event) => {
    const target = event.target;
    if (target.matches(".bw-level")) {
      clearTimeout(typedTimer);
      typedTimer = setTimeout(() => form.dispatchEvent(new Event("bw-level-typed")), 250);
    }
    if (target.matches(".bw-evidence-box")) grow(target);
    if (target.matches(".bw-level, .bw-evidence-box")) markDirty();
  });
  form.addEventListener("click", onClick);
  form.addEventListener("submit", (event) => {
    // a save while an autosave is on its way would carry the old case version: wait
    if (saving) {
      event.preventDefault();
      waiting = event.submitter || null;
      return;
    }
    clearTimeout(timer);
    leaving = true;
  });
  document.addEventListener("keydown", onKey);
  window.addEventListener("beforeunload", (event) => {
    if ((dirty || saving) && !leaving) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  WIDE.addEventListener("change", () => {
    if (WIDE.matches && current) showWording(current);
  });
  document.querySelectorAll(".bw-evidence-box").forEach((area) => {
    if (area.value) grow(area);
  });
  // saving keeps your place: back on the factor you were on
  const place = Number(document.getElementById("place").value || 0);
  const hashed = /^#factor-(\d+)$/.exec(window.location.hash);
  const n = hashed ? Number(hashed[1]) : place;
  if (n >= 1 && n <= 16) {
    // after the load (the browser's own scroll to #factor-N would take the focus back)
    const back = () => goTo(n, false);
    if (document.readyState === "complete") back();
    else window.addEventListener("load", () => setTimeout(back, 0), { once: true });
  } else if (WIDE.matches) setCurrent(1);
}

if (form) start();
