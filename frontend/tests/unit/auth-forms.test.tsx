import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { LoginForm } from "@/components/auth/login-form";
import { ResetPasswordForm } from "@/components/auth/reset-password-form";
import { SignupForm } from "@/components/auth/signup-form";
import { installFetch, json } from "../fetch-mock";

const session = {
  user: { id: "u1", email: "ada@example.com", name: "Ada", created_at: "2026-01-01T00:00:00Z" },
  access_token: "x",
  token_type: "bearer",
  expires_in: 900,
};

describe("signup form", () => {
  test("shows inline errors tied to the fields and sends nothing when invalid", async () => {
    const { calls } = installFetch({});
    render(<SignupForm onSuccess={jest.fn()} />);
    await userEvent.type(screen.getByLabelText("Email"), "not-an-email");
    await userEvent.type(screen.getByLabelText("Password"), "short");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    const email = screen.getByLabelText("Email");
    expect(email).toHaveAttribute("aria-invalid", "true");
    expect(email).toHaveAccessibleDescription(/valid email address/);
    expect(screen.getByLabelText("Password")).toHaveAccessibleDescription(/at least 8 characters/);
    expect(calls).toHaveLength(0);
  });

  test("shows the backend's message for a rejected password", async () => {
    installFetch({
      "POST /api/v1/auth/signup": () =>
        json(422, { detail: [{ loc: ["body", "password"], msg: "Value error, This password is too common.", type: "value_error" }] }),
    });
    const onSuccess = jest.fn();
    render(<SignupForm onSuccess={onSuccess} />);
    await userEvent.type(screen.getByLabelText("Email"), "ada@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "password123");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByText("This password is too common.")).toBeInTheDocument();
    expect(onSuccess).not.toHaveBeenCalled();
  });

  test("shows a conflict for an email already taken", async () => {
    installFetch({ "POST /api/v1/auth/signup": () => json(409, { detail: "An account with this email already exists" }) });
    render(<SignupForm onSuccess={jest.fn()} />);
    await userEvent.type(screen.getByLabelText("Email"), "ada@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "a long passphrase");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("An account with this email already exists");
  });

  test("submits the trimmed values and goes to the tasks", async () => {
    const { calls } = installFetch({ "POST /api/v1/auth/signup": () => json(201, session) });
    const onSuccess = jest.fn();
    render(<SignupForm onSuccess={onSuccess} />);
    await userEvent.type(screen.getByLabelText(/Name/), " Ada ");
    await userEvent.type(screen.getByLabelText("Email"), " ada@example.com ");
    await userEvent.type(screen.getByLabelText("Password"), "correct horse battery");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    await waitFor(() => expect(onSuccess).toHaveBeenCalledWith("/tasks"));
    expect(calls[0]!.body).toEqual({ email: "ada@example.com", password: "correct horse battery", name: "Ada" });
  });

  test("the password can be shown and hidden", async () => {
    installFetch({});
    render(<SignupForm onSuccess={jest.fn()} />);
    const input = screen.getByLabelText("Password");
    expect(input).toHaveAttribute("type", "password");
    await userEvent.click(screen.getByRole("button", { name: "Show password" }));
    expect(input).toHaveAttribute("type", "text");
    await userEvent.click(screen.getByRole("button", { name: "Hide password" }));
    expect(input).toHaveAttribute("type", "password");
  });
});

describe("login form", () => {
  test("shows the backend's error for wrong credentials", async () => {
    installFetch({ "POST /api/v1/auth/login": () => json(401, { detail: "Invalid email or password" }) });
    const onSuccess = jest.fn();
    render(<LoginForm onSuccess={onSuccess} />);
    await userEvent.type(screen.getByLabelText("Email"), "ada@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "wrong password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Invalid email or password");
    expect(onSuccess).not.toHaveBeenCalled();
  });

  test("goes back to a same-site next path after signing in", async () => {
    installFetch({ "POST /api/v1/auth/login": () => json(200, session) });
    const onSuccess = jest.fn();
    render(<LoginForm next="/settings" onSuccess={onSuccess} />);
    await userEvent.type(screen.getByLabelText("Email"), "ada@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "right password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(onSuccess).toHaveBeenCalledWith("/settings"));
  });

  test("ignores an off-site next value", async () => {
    installFetch({ "POST /api/v1/auth/login": () => json(200, session) });
    const onSuccess = jest.fn();
    render(<LoginForm next="//evil.example/phish" onSuccess={onSuccess} />);
    await userEvent.type(screen.getByLabelText("Email"), "ada@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "right password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(onSuccess).toHaveBeenCalledWith("/tasks"));
  });
});

describe("reset password form", () => {
  test("an expired or used link is reported at once, with a way to ask for a new one", async () => {
    installFetch({
      "POST /api/v1/auth/reset-password/validate": () => json(400, { detail: "Invalid or expired reset token" }),
    });
    render(<ResetPasswordForm token="old-token" />);
    expect(await screen.findByText(/expired or has already been used/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Request a new link" })).toHaveAttribute("href", "/forgot-password");
    expect(screen.queryByLabelText("New password")).not.toBeInTheDocument();
  });

  test("a valid link accepts a new password", async () => {
    const { calls } = installFetch({
      "POST /api/v1/auth/reset-password/validate": () => json(204),
      "POST /api/v1/auth/reset-password": () => json(204),
    });
    render(<ResetPasswordForm token="good-token" />);
    await userEvent.type(await screen.findByLabelText("New password"), "a brand new passphrase");
    await userEvent.type(screen.getByLabelText("Confirm new password"), "a brand new passphrase");
    await userEvent.click(screen.getByRole("button", { name: "Set new password" }));
    expect(await screen.findByText(/Your password has been changed/)).toBeInTheDocument();
    expect(calls[1]!.body).toEqual({ token: "good-token", new_password: "a brand new passphrase" });
  });

  test("mismatched confirmation is caught before sending", async () => {
    const { calls } = installFetch({ "POST /api/v1/auth/reset-password/validate": () => json(204) });
    render(<ResetPasswordForm token="good-token" />);
    await userEvent.type(await screen.findByLabelText("New password"), "a brand new passphrase");
    await userEvent.type(screen.getByLabelText("Confirm new password"), "something else entirely");
    await userEvent.click(screen.getByRole("button", { name: "Set new password" }));
    expect(screen.getByLabelText("Confirm new password")).toHaveAccessibleDescription("The two passwords do not match.");
    expect(calls).toHaveLength(1);
  });
});
