// Refresh a petition's signature count while its page is open (every 5 s, paused while hidden).
const section = document.querySelector("[data-petition-count]");

async function refresh() {
  if (document.hidden) return;
  const answer = await fetch(section.dataset.petitionCount, { headers: { Accept: "application/json" } });
  if (!answer.ok) return;
  const { count, threshold } = await answer.json();
  section.querySelector("[data-count]").textContent = count.toLocaleString(document.documentElement.lang);
  const bar = section.querySelector("[data-progress]");
  bar.value = Math.min(count, threshold);
  bar.textContent = String(count);
}

if (section) {
  setInterval(() => refresh().catch(() => {}), 5000);
}
