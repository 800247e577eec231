import { loginUrl, safeNext } from "@/lib/safe-next";

test.each([
  ["/tasks", "/tasks"],
  ["/settings?tab=1", "/settings?tab=1"],
  ["//evil.example", "/tasks"],
  ["/\\evil.example", "/tasks"],
  ["https://evil.example/", "/tasks"],
  ["javascript:alert(1)", "/tasks"],
  ["/\t/evil.example", "/tasks"],
  ["", "/tasks"],
])("safeNext(%j) is %j", (input, expected) => {
  expect(safeNext(input)).toBe(expected);
});

test("loginUrl keeps the path to come back to", () => {
  expect(loginUrl("/settings")).toBe("/login?next=%2Fsettings");
  expect(loginUrl("//evil.example")).toBe("/login");
});
