"use client";

import * as React from "react";
import { Search } from "lucide-react";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import type { Priority, SortKey, TagCount, TaskStatus } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { PRIORITY_LABELS, SORT_LABELS } from "@/lib/task-labels";

export interface Filters {
  status: TaskStatus;
  priority: Priority | "any";
  tag: string;
  search: string;
  sort: SortKey;
}

export const DEFAULT_FILTERS: Filters = { status: "all", priority: "any", tag: "any", search: "", sort: "-created_at" };

const STATUSES: { value: TaskStatus; label: string }[] = [
  { value: "all", label: "All" },
  { value: "active", label: "Active" },
  { value: "completed", label: "Completed" },
];

interface Props {
  filters: Filters;
  tags: TagCount[];
  onChange: (patch: Partial<Filters>) => void;
  searchRef: React.RefObject<HTMLInputElement | null>;
}

export function TaskFilters({ filters, tags, onChange, searchRef }: Props) {
  return (
    <div className="grid grid-cols-[minmax(0,1fr)] gap-3">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-center">
        <div role="group" aria-label="Status" className="inline-flex w-full rounded-lg border bg-muted p-1 sm:w-auto">
          {STATUSES.map(({ value, label }) => (
            <button
              key={value}
              type="button"
              aria-pressed={filters.status === value}
              onClick={() => onChange({ status: value })}
              className={cn(
                "flex-1 rounded-md px-3 py-1.5 text-sm font-medium text-muted-foreground transition-colors hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring sm:flex-none",
                filters.status === value && "bg-card text-foreground shadow-sm",
              )}
            >
              {label}
            </button>
          ))}
        </div>
        <div className="relative min-w-0 flex-1">
          <Label htmlFor="task-search" className="sr-only">
            Search tasks
          </Label>
          <Search className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted-foreground" aria-hidden />
          <Input
            id="task-search"
            ref={searchRef}
            type="search"
            placeholder="Search… (press /)"
            value={filters.search}
            onChange={(e) => onChange({ search: e.target.value })}
            className="pl-9"
          />
        </div>
      </div>
      <div className="grid grid-cols-2 gap-2 sm:grid-cols-3">
        <div className="grid gap-1">
          <Label htmlFor="filter-priority" className="text-xs text-muted-foreground">
            Priority
          </Label>
          <Select value={filters.priority} onValueChange={(v) => onChange({ priority: v as Priority | "any" })}>
            <SelectTrigger id="filter-priority" className="h-9">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value="any">Any priority</SelectItem>
              {(Object.keys(PRIORITY_LABELS) as Priority[]).map((p) => (
                <SelectItem key={p} value={p}>
                  {PRIORITY_LABELS[p]}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </div>
        <div className="grid gap-1">
          <Label htmlFor="filter-tag" className="text-xs text-muted-foreground">
            Tag
          </Label>
          <Select value={filters.tag} onValueChange={(v) => onChange({ tag: v })}>
            <SelectTrigger id="filter-tag" className="h-9">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value="any">Any tag</SelectItem>
              {tags.map((t) => (
                <SelectItem key={t.name} value={t.name}>
                  #{t.name} ({t.count})
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </div>
        <div className="col-span-2 grid gap-1 sm:col-span-1">
          <Label htmlFor="filter-sort" className="text-xs text-muted-foreground">
            Sort
          </Label>
          <Select value={filters.sort} onValueChange={(v) => onChange({ sort: v as SortKey })}>
            <SelectTrigger id="filter-sort" className="h-9">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              {(Object.entries(SORT_LABELS) as [SortKey, string][]).map(([value, label]) => (
                <SelectItem key={value} value={value}>
                  {label}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </div>
      </div>
    </div>
  );
}
