import type { Metadata } from "next";
import { TaskBoard } from "@/components/tasks/task-board";

export const metadata: Metadata = { title: "My tasks" };

export default function TasksPage() {
  return <TaskBoard />;
}
