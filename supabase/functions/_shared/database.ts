export type Json =
  | string
  | number
  | boolean
  | null
  | { [key: string]: Json | undefined }
  | Json[]

export type Database = {
  public: {
    Tables: {
      calendar_closed_days: {
        Row: {
          calendar: string
          day: string
          kind: string
          name: string
        }
        Insert: {
          calendar: string
          day: string
          kind: string
          name: string
        }
        Update: {
          calendar?: string
          day?: string
          kind?: string
          name?: string
        }
        Relationships: []
      }
      client_members: {
        Row: {
          client_id: string
          created_at: string
          role: Database["public"]["Enums"]["member_role"]
          user_id: string
        }
        Insert: {
          client_id: string
          created_at?: string
          role: Database["public"]["Enums"]["member_role"]
          user_id: string
        }
        Update: {
          client_id?: string
          created_at?: string
          role?: Database["public"]["Enums"]["member_role"]
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "client_members_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
        ]
      }
      clients: {
        Row: {
          created_at: string
          default_region: string
          id: string
          name: string
          sending_paused_until: string | null
          whatsapp_number: string | null
        }
        Insert: {
          created_at?: string
          default_region?: string
          id?: string
          name: string
          sending_paused_until?: string | null
          whatsapp_number?: string | null
        }
        Update: {
          created_at?: string
          default_region?: string
          id?: string
          name?: string
          sending_paused_until?: string | null
          whatsapp_number?: string | null
        }
        Relationships: []
      }
      lead_import_chunks: {
        Row: {
          chunk_no: number
          created: number
          created_at: string
          import_id: string
          invalid: NonNullable<Json>
          kept_opted_out: number
          unchanged: number
          updated: number
        }
        Insert: {
          chunk_no: number
          created: number
          created_at?: string
          import_id: string
          invalid?: NonNullable<Json>
          kept_opted_out: number
          unchanged: number
          updated: number
        }
        Update: {
          chunk_no?: number
          created?: number
          created_at?: string
          import_id?: string
          invalid?: NonNullable<Json>
          kept_opted_out?: number
          unchanged?: number
          updated?: number
        }
        Relationships: [
          {
            foreignKeyName: "lead_import_chunks_import_id_fkey"
            columns: ["import_id"]
            isOneToOne: false
            referencedRelation: "lead_imports"
            referencedColumns: ["id"]
          },
        ]
      }
      lead_imports: {
        Row: {
          blank_rows: number
          client_id: string
          created_at: string
          file_name: string
          id: string
          total_chunks: number
          total_rows: number
          user_id: string
        }
        Insert: {
          blank_rows?: number
          client_id: string
          created_at?: string
          file_name: string
          id: string
          total_chunks: number
          total_rows: number
          user_id?: string
        }
        Update: {
          blank_rows?: number
          client_id?: string
          created_at?: string
          file_name?: string
          id?: string
          total_chunks?: number
          total_rows?: number
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "lead_imports_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
        ]
      }
      leads: {
        Row: {
          client_id: string
          created_at: string
          email: string | null
          id: string
          last_contacted_at: string | null
          last_replied_at: string | null
          name: string
          opted_out_at: string | null
          phone: string
          search_key: string | null
          tags: string[]
          updated_at: string
        }
        Insert: {
          client_id: string
          created_at?: string
          email?: string | null
          id?: string
          last_contacted_at?: string | null
          last_replied_at?: string | null
          name: string
          opted_out_at?: string | null
          phone: string
          search_key?: never
          tags?: string[]
          updated_at?: string
        }
        Update: {
          client_id?: string
          created_at?: string
          email?: string | null
          id?: string
          last_contacted_at?: string | null
          last_replied_at?: string | null
          name?: string
          opted_out_at?: string | null
          phone?: string
          search_key?: never
          tags?: string[]
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "leads_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
        ]
      }
      message_templates: {
        Row: {
          client_id: string
          created_at: string
          description: string | null
          id: string
          name: string
          updated_at: string
          variables: string[]
        }
        Insert: {
          client_id: string
          created_at?: string
          description?: string | null
          id?: string
          name: string
          updated_at?: string
          variables?: string[]
        }
        Update: {
          client_id?: string
          created_at?: string
          description?: string | null
          id?: string
          name?: string
          updated_at?: string
          variables?: string[]
        }
        Relationships: [
          {
            foreignKeyName: "message_templates_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
        ]
      }
      queue_audit_log: {
        Row: {
          action: string
          actor_id: string | null
          client_id: string
          created_at: string
          details: NonNullable<Json>
          from_status: Database["public"]["Enums"]["queue_item_status"] | null
          id: number
          queue_item_id: string | null
          to_status: Database["public"]["Enums"]["queue_item_status"] | null
          user_id: string | null
        }
        Insert: {
          action: string
          actor_id?: string | null
          client_id: string
          created_at?: string
          details?: NonNullable<Json>
          from_status?: Database["public"]["Enums"]["queue_item_status"] | null
          id?: never
          queue_item_id?: string | null
          to_status?: Database["public"]["Enums"]["queue_item_status"] | null
          user_id?: string | null
        }
        Update: {
          action?: string
          actor_id?: string | null
          client_id?: string
          created_at?: string
          details?: NonNullable<Json>
          from_status?: Database["public"]["Enums"]["queue_item_status"] | null
          id?: never
          queue_item_id?: string | null
          to_status?: Database["public"]["Enums"]["queue_item_status"] | null
          user_id?: string | null
        }
        Relationships: []
      }
      queue_performance_metrics: {
        Row: {
          cancelled: number
          client_id: string
          failed: number
          hour: string
          latency_ms_sum: number
          queued: number
          retried: number
          sent: number
          shard: number
          user_id: string
        }
        Insert: {
          cancelled?: number
          client_id: string
          failed?: number
          hour: string
          latency_ms_sum?: number
          queued?: number
          retried?: number
          sent?: number
          shard?: number
          user_id: string
        }
        Update: {
          cancelled?: number
          client_id?: string
          failed?: number
          hour?: string
          latency_ms_sum?: number
          queued?: number
          retried?: number
          sent?: number
          shard?: number
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "queue_performance_metrics_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
        ]
      }
      queue_status_counts: {
        Row: {
          client_id: string
          items: number
          status: Database["public"]["Enums"]["queue_item_status"]
          user_id: string
        }
        Insert: {
          client_id: string
          items?: number
          status: Database["public"]["Enums"]["queue_item_status"]
          user_id: string
        }
        Update: {
          client_id?: string
          items?: number
          status?: Database["public"]["Enums"]["queue_item_status"]
          user_id?: string
        }
        Relationships: []
      }
      user_queue_settings: {
        Row: {
          batch_size: number | null
          business_hours: NonNullable<Json>
          client_id: string
          closed_dates: string[]
          cooldown_days: number
          created_at: string
          daily_target: number
          erev_chag_end: string
          holiday_calendar: string
          last_processor_run_at: string | null
          max_capacity: number
          processing_delay_ms: number | null
          processing_state: Database["public"]["Enums"]["processing_state"]
          rate_limit_per_hour: number | null
          retention_days: number
          short_erev_chag: boolean
          timezone: string
          updated_at: string
          user_id: string
        }
        Insert: {
          batch_size?: number | null
          business_hours?: NonNullable<Json>
          client_id: string
          closed_dates?: string[]
          cooldown_days?: number
          created_at?: string
          daily_target?: number
          erev_chag_end?: string
          holiday_calendar?: string
          last_processor_run_at?: string | null
          max_capacity?: number
          processing_delay_ms?: number | null
          processing_state?: Database["public"]["Enums"]["processing_state"]
          rate_limit_per_hour?: number | null
          retention_days?: number
          short_erev_chag?: boolean
          timezone?: string
          updated_at?: string
          user_id: string
        }
        Update: {
          batch_size?: number | null
          business_hours?: NonNullable<Json>
          client_id?: string
          closed_dates?: string[]
          cooldown_days?: number
          created_at?: string
          daily_target?: number
          erev_chag_end?: string
          holiday_calendar?: string
          last_processor_run_at?: string | null
          max_capacity?: number
          processing_delay_ms?: number | null
          processing_state?: Database["public"]["Enums"]["processing_state"]
          rate_limit_per_hour?: number | null
          retention_days?: number
          short_erev_chag?: boolean
          timezone?: string
          updated_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "user_queue_settings_client_id_fkey"
            columns: ["client_id"]
            isOneToOne: false
            referencedRelation: "clients"
            referencedColumns: ["id"]
          },
        ]
      }
      whatsapp_message_queue: {
        Row: {
          agent_conversation_id: string | null
          agent_trigger_id: string | null
          attempts: number
          client_id: string
          created_at: string
          error_code: string | null
          id: string
          last_error: string | null
          lead_id: string
          locked_by: string | null
          locked_until: string | null
          max_attempts: number
          message_template: string
          message_variables: NonNullable<Json>
          next_attempt_at: string | null
          priority: Database["public"]["Enums"]["queue_priority"]
          processed_at: string | null
          queued_at: string
          redelivery: boolean
          scheduled_for: string
          status: Database["public"]["Enums"]["queue_item_status"]
          updated_at: string
          user_id: string
        }
        Insert: {
          agent_conversation_id?: string | null
          agent_trigger_id?: string | null
          attempts?: number
          client_id: string
          created_at?: string
          error_code?: string | null
          id?: string
          last_error?: string | null
          lead_id: string
          locked_by?: string | null
          locked_until?: string | null
          max_attempts?: number
          message_template?: string
          message_variables?: NonNullable<Json>
          next_attempt_at?: string | null
          priority?: Database["public"]["Enums"]["queue_priority"]
          processed_at?: string | null
          queued_at?: string
          redelivery?: boolean
          scheduled_for?: string
          status?: Database["public"]["Enums"]["queue_item_status"]
          updated_at?: string
          user_id: string
        }
        Update: {
          agent_conversation_id?: string | null
          agent_trigger_id?: string | null
          attempts?: number
          client_id?: string
          created_at?: string
          error_code?: string | null
          id?: string
          last_error?: string | null
          lead_id?: string
          locked_by?: string | null
          locked_until?: string | null
          max_attempts?: number
          message_template?: string
          message_variables?: NonNullable<Json>
          next_attempt_at?: string | null
          priority?: Database["public"]["Enums"]["queue_priority"]
          processed_at?: string | null
          queued_at?: string
          redelivery?: boolean
          scheduled_for?: string
          status?: Database["public"]["Enums"]["queue_item_status"]
          updated_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "queue_lead_of_client_fkey"
            columns: ["lead_id", "client_id"]
            isOneToOne: false
            referencedRelation: "leads"
            referencedColumns: ["id", "client_id"]
          },
        ]
      }
    }
    Views: {
      [_ in never]: never
    }
    Functions: {
      cancel_queue_items: { Args: { ids: string[] }; Returns: number }
      cancel_waiting_items: { Args: { for_client: string }; Returns: number }
      claim_next_item: {
        Args: {
          at?: string
          for_client: string
          for_user: string
          lease_seconds?: number
          worker_id: string
        }
        Returns: Json
      }
      claim_queue_batch: {
        Args: {
          daily_cap?: number
          for_client?: string
          for_user?: string
          lease_seconds?: number
          max_items: number
          start_now?: boolean
          today?: unknown
          worker_id: string
        }
        Returns: {
          agent_conversation_id: string | null
          agent_trigger_id: string | null
          attempts: number
          client_id: string
          created_at: string
          error_code: string | null
          id: string
          last_error: string | null
          lead_id: string
          locked_by: string | null
          locked_until: string | null
          max_attempts: number
          message_template: string
          message_variables: NonNullable<Json>
          next_attempt_at: string | null
          priority: Database["public"]["Enums"]["queue_priority"]
          processed_at: string | null
          queued_at: string
          redelivery: boolean
          scheduled_for: string
          status: Database["public"]["Enums"]["queue_item_status"]
          updated_at: string
          user_id: string
        }[]
        SetofOptions: {
          from: "*"
          to: "whatsapp_message_queue"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      complete_queue_item: {
        Args: { agent_trigger_id: string; item_id: string; worker_id: string }
        Returns: undefined
      }
      complete_queue_items: {
        Args: {
          agent_trigger_ids: string[]
          item_ids: string[]
          worker_id: string
        }
        Returns: string[]
      }
      dispatch_queue_processor: { Args: { at?: string }; Returns: number[] }
      enqueue_leads: {
        Args: {
          client_id?: string
          defer_to_next_window?: boolean
          include_recently_contacted?: boolean
          lead_ids: string[]
          message_template?: string
          message_variables?: Json
          priority?: Database["public"]["Enums"]["queue_priority"]
          scheduled_for?: string
        }
        Returns: Json
      }
      enqueue_spread: {
        Args: {
          for_client: string
          include_recently_contacted?: boolean
          lead_ids: string[]
          message_template?: string
          message_variables?: Json
          priority?: Database["public"]["Enums"]["queue_priority"]
          start_at?: string
        }
        Returns: Json
      }
      export_page_end: {
        Args: {
          after_created_at?: string
          after_id?: string
          client_id: string
          created_from: string
          created_to: string
          page_size?: number
          status_filter?: string
        }
        Returns: {
          created_at: string
          id: string
        }[]
      }
      export_queue_csv: {
        Args: {
          after_created_at?: string
          after_id?: string
          client_id: string
          created_from: string
          created_to: string
          status_filter?: string
          until_created_at?: string
          until_id?: string
        }
        Returns: {
          agent_conversation_id: string
          attempts: number
          created_at: string
          error_code: string
          last_error: string
          lead_name: string
          lead_phone: string
          priority: string
          processed_at: string
          queue_item_id: string
          scheduled_for: string
          status: string
          template: string
        }[]
      }
      fail_queue_item: {
        Args: {
          error_code: string
          error_message: string
          item_id: string
          retry_after_seconds?: number
          retryable: boolean
          worker_id: string
        }
        Returns: Database["public"]["Enums"]["queue_item_status"]
      }
      import_leads: {
        Args: { chunk_no: number; import_id: string; rows: Json }
        Returns: Json
      }
      lead_import_report: { Args: { import_id: string }; Returns: Json }
      lease_processor_pairs: {
        Args: {
          environment?: Json
          for_user?: string
          lease_seconds?: number
          pairs?: Json
          worker_id: string
        }
        Returns: {
          client_id: string
          user_id: string
        }[]
      }
      note_queue_rejection: {
        Args: {
          caller: string
          code: string
          details?: Json
          message: string
          status: number
        }
        Returns: Json
      }
      plan_spread: {
        Args: { at?: string; for_client: string; lead_count: number }
        Returns: {
          day: string
          queued: number
          window_start: string
        }[]
      }
      preview_spread: {
        Args: {
          at?: string
          for_client: string
          include_recently_contacted?: boolean
          lead_ids: string[]
        }
        Returns: Json
      }
      processor_defaults: {
        Args: Record<PropertyKey, never>
        Returns: Record<string, unknown>
      }
      processor_shards: {
        Args: { at?: string; shard_size?: number }
        Returns: {
          pairs: Json
          shard: number
        }[]
      }
      processor_step: {
        Args: {
          at?: string
          claims?: Json
          lease_seconds?: number
          outcomes?: Json
          worker_id: string
        }
        Returns: Json
      }
      purge_expired_queue_items: {
        Args: Record<PropertyKey, never>
        Returns: Json
      }
      queue_admin_status: {
        Args: { for_client?: string }
        Returns: {
          client_id: string
          depth: number
          email: string
          failed_24h: number
          last_processor_run_at: string
          oldest_pending_seconds: number
          processing: number
          processing_state: Database["public"]["Enums"]["processing_state"]
          queued: number
          sent_24h: number
          success_rate: number
          user_id: string
        }[]
      }
      queue_alerts: {
        Args: { for_client?: string }
        Returns: {
          code: string
          message: string
          severity: string
          threshold: number
          user_id: string
          value: number
        }[]
      }
      queue_capacity_today: {
        Args: { at?: string; for_client?: string }
        Returns: Record<string, unknown>
      }
      queue_drain: {
        Args: { at?: string; for_client?: string }
        Returns: Record<string, unknown>
      }
      queue_hourly_throughput: {
        Args: { for_client?: string; hours?: number }
        Returns: {
          avg_latency_ms: number
          failed: number
          hour: string
          queued: number
          retried: number
          sent: number
        }[]
      }
      queue_list_counts: {
        Args: { for_client: string; search?: string }
        Returns: {
          capped: boolean
          items: number
          status: Database["public"]["Enums"]["queue_item_status"]
        }[]
      }
      queue_list_page: {
        Args: {
          after_created_at?: string
          after_id?: string
          for_client: string
          page_size?: number
          search?: string
          status_filter?: Database["public"]["Enums"]["queue_item_status"]
        }
        Returns: {
          agent_conversation_id: string
          attempts: number
          created_at: string
          error_code: string
          id: string
          last_error: string
          lead_id: string
          lead_name: string
          lead_phone: string
          max_attempts: number
          next_attempt_at: string
          priority: Database["public"]["Enums"]["queue_priority"]
          processed_at: string
          scheduled_for: string
          status: Database["public"]["Enums"]["queue_item_status"]
          updated_at: string
          user_id: string
        }[]
      }
      queue_outlook: {
        Args: { at?: string; for_client?: string; item_ids?: string[] }
        Returns: {
          attempt: number
          error_code: string
          expected_send_at: string
          holiday_name: string
          max_attempts: number
          queue_item_id: string
          waiting_for: string
          waiting_until: string
        }[]
      }
      queue_status: {
        Args: { for_client?: string }
        Returns: {
          depth: number
          due_now: number
          failed_24h: number
          last_processor_run_at: string
          oldest_pending_seconds: number
          processing: number
          processing_state: Database["public"]["Enums"]["processing_state"]
          queued: number
          sending_paused_until: string
          sent_24h: number
          success_rate: number
        }[]
      }
      queue_user_performance: {
        Args: { days?: number }
        Returns: {
          avg_latency_ms: number
          email: string
          failed: number
          retried: number
          sent: number
          success_rate: number
          total_queued: number
          user_id: string
        }[]
      }
      record_agent_event: {
        Args: { event: Json; webhook_id: string }
        Returns: Json
      }
      record_agent_outcome: {
        Args: {
          attempt?: number
          conversation_id?: string
          delivery_error_code?: string
          delivery_error_message?: string
          item_id: string
        }
        Returns: Database["public"]["Enums"]["queue_item_status"]
      }
      release_processor_pairs: {
        Args: { pairs: Json; worker_id: string }
        Returns: number
      }
      release_queue_items: {
        Args: { ids: string[]; worker_id: string }
        Returns: number
      }
      retry_queue_items: { Args: { ids: string[] }; Returns: number }
      set_processing_state: {
        Args: {
          client_id?: string
          state: Database["public"]["Enums"]["processing_state"]
        }
        Returns: Database["public"]["Enums"]["processing_state"]
      }
      start_lead_import: {
        Args: {
          blank_rows?: number
          client_id: string
          file_name: string
          import_id: string
          total_chunks: number
          total_rows: number
        }
        Returns: {
          blank_rows: number
          client_id: string
          created_at: string
          file_name: string
          id: string
          total_chunks: number
          total_rows: number
          user_id: string
        }
        SetofOptions: {
          from: "*"
          to: "lead_imports"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      start_queue_item: {
        Args: { item_id: string; worker_id: string }
        Returns: boolean
      }
      start_queue_items: {
        Args: { item_ids: string[]; worker_id: string }
        Returns: string[]
      }
      take_over_queue_items: { Args: { ids: string[] }; Returns: number }
      take_rate_tokens: {
        Args: { bucket: string; per_hour: number; wanted: number }
        Returns: number
      }
    }
    Enums: {
      member_role: "admin" | "manager"
      processing_state: "running" | "paused"
      queue_item_status:
        | "pending"
        | "queued"
        | "processing"
        | "sent"
        | "failed"
        | "cancelled"
      queue_priority: "low" | "normal" | "high" | "immediate"
    }
    CompositeTypes: {
      [_ in never]: never
    }
  }
}

type DatabaseWithoutInternals = Omit<Database, "__InternalSupabase">

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] &
        DefaultSchema["Views"])
    ? (DefaultSchema["Tables"] &
        DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
        Row: infer R
      }
      ? R
      : never
    : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Insert: infer I
      }
      ? I
      : never
    : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Update: infer U
      }
      ? U
      : never
    : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends (DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never) = never,
> = DefaultSchemaEnumNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
    ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
    : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends (PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never) = never,
> = PublicCompositeTypeNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
    ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
    : never

export const Constants = {
  public: {
    Enums: {
      member_role: ["admin", "manager"],
      processing_state: ["running", "paused"],
      queue_item_status: [
        "pending",
        "queued",
        "processing",
        "sent",
        "failed",
        "cancelled",
      ],
      queue_priority: ["low", "normal", "high", "immediate"],
    },
  },
} as const

