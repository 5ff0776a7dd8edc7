// A knapsack ballot's running total, updated as boxes are ticked; without JavaScript the
// "Check the total" button asks the server for the same sentence.
const status = document.querySelector("[data-running-total]");

function money(amount) {
  const { zero, group, decimal } = status.dataset;
  const [whole, cents] = amount.toFixed(2).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  // The currency's place and marks come from the server's own rendering of zero (Babel).
  return zero.replace(/\d+([.,]\d+)?/, `${grouped}${decimal}${cents}`);
}

function update() {
  const boxes = status.closest("form").querySelectorAll("input[type=checkbox][data-cost]");
  const total = [...boxes].filter((box) => box.checked).reduce((sum, box) => sum + Number(box.dataset.cost), 0);
  const over = total > Number(status.dataset.limit);
  const sentence = status.dataset.sentence.replace("{total}", money(total));
  status.textContent = over ? `${sentence} ${status.dataset.over}` : sentence;
  status.classList.toggle("error", over);
}

if (status) {
  status.closest("form").addEventListener("change", update);
}
