import { TaskListSkeleton } from "@/components/tasks/task-list-skeleton";

export default function TasksLoading() {
  return <TaskListSkeleton />;
}
