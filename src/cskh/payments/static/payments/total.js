// The total of the ticked invoices, as the customer ticks them (the server computes the
// amount again; without JavaScript the next page shows it).
const output = document.getElementById("pay-total");
if (output) {
  const boxes = [...document.querySelectorAll('input[name="invoices"]')];
  const vi = output.dataset.language === "vi";
  const format = (amount) =>
    vi ? `${amount.toLocaleString("vi-VN")} đ` : `${amount.toLocaleString("en-US")} VND`;
  const update = () => {
    const total = boxes
      .filter((box) => box.checked && !box.disabled)
      .reduce((sum, box) => sum + Number(box.dataset.due), 0);
    output.textContent = format(total);
  };
  boxes.forEach((box) => box.addEventListener("change", update));
  update();
}
