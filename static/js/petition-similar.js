// Suggest similar existing petitions while the title is typed (the form's "look for similar
// petitions" button does the same without script).
const box = document.querySelector("[data-similar-url]");
const title = document.getElementById("title");
let timer;

function show(items) {
  const list = box.querySelector("ul");
  list.replaceChildren(
    ...items.map(({ title: text, url, status }) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = url;
      link.textContent = text;
      item.append(link, ` (${status})`);
      return item;
    }),
  );
  box.hidden = items.length === 0;
}

async function suggest() {
  const url = new URL(box.dataset.similarUrl, window.location.href);
  url.searchParams.set("title", title.value);
  const answer = await fetch(url, { headers: { Accept: "application/json" } });
  if (answer.ok) show((await answer.json()).similar);
}

if (box && title) {
  title.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => suggest().catch(() => {}), 400);
  });
}
